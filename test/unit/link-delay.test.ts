import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { delayCommand } from '../../src/lab/link-delay.js';

describe('delayCommand', () => {
  it('finds the interface by its exact address (Docker names interfaces by network name, not order)', () => {
    const cmd = delayCommand('10.77.0.2', 20);
    expect(cmd).toContain('netem delay 20ms');
    // Run the interface lookup part against canned `ip -o -4 addr show` output.
    const lookup = cmd
      .split(';')[0]
      .replace('ip -o -4 addr show', 'printf "%s\\n" "$ADDRS"')
      .replace(/^dev=\$\(/, '')
      .replace(/\)$/, '');
    const addrs = [
      '2: eth0    inet 10.77.0.26/29 brd 10.77.0.31 scope global eth0',
      '3: eth1    inet 10.77.0.2/29 brd 10.77.0.7 scope global eth1',
      '4: eth2    inet 10.77.0.20/29 scope global eth2',
    ].join('\n');
    expect(
      execFileSync('sh', ['-c', lookup], { env: { ADDRS: addrs } })
        .toString()
        .trim(),
    ).toBe('eth1');
  });
});
