// `down` finds what to remove by label only: resources of nodes that are no
// longer in any lab file go too, other labs and unlabelled things stay.
import { describe, expect, it } from 'vitest';
import { labDown } from '../../src/lab/down.js';
import { removeScript } from '../../src/runtime/host-firewall.js';
import { labLabels } from '../../src/runtime/labels.js';
import { FakeRuntime } from './support/fake-runtime.js';

const quiet = { step() {} };

function engine(): FakeRuntime {
  const rt = new FakeRuntime();
  // Lab "default", including a node and a link that no lab file names any more.
  rt.addContainer({ name: 'al-default-fra', labels: labLabels('default', 'fra', 'pop', 'router') });
  rt.addContainer({ name: 'al-default-ghost', labels: labLabels('default', 'ghost', 'pop', 'router') }, 'exited');
  rt.addContainer({ name: 'al-default-hostfw-1', labels: labLabels('default', 'host', 'helper', 'helper') });
  rt.addNetwork({ name: 'al-default-fra--t-eu', subnet: '10.77.0.0/29', gateway: '10.77.0.1', labels: labLabels('default', 'fra--t-eu', 'link', 'link') });
  rt.addNetwork({ name: 'al-default-ghost--t-eu', subnet: '10.77.0.8/29', gateway: '10.77.0.9', labels: labLabels('default', 'ghost--t-eu', 'link', 'link') });
  // Another lab, and things that are not the lab's at all.
  rt.addContainer({ name: 'al-other-fra', labels: labLabels('other', 'fra', 'pop', 'router') });
  rt.addNetwork({ name: 'al-other-fra--t-eu', subnet: '10.88.0.0/29', gateway: '10.88.0.1', labels: labLabels('other', 'fra--t-eu', 'link', 'link') });
  rt.addContainer({ name: 'someone-elses', labels: {} });
  rt.addNetwork({ name: 'bridge', subnet: '172.17.0.0/16', gateway: '172.17.0.1', labels: {} });
  return rt;
}

const names = (m: Map<string, { name: string }>) => [...m.values()].map((x) => x.name).sort();

describe('down with a fake runtime', () => {
  it('removes every container and network labelled with the lab, also ones no lab file names', async () => {
    const rt = engine();
    const r = await labDown(rt, 'default', quiet);
    expect(r).toMatchObject({ labs: ['default'], containers: 3, networks: 2, firewall: 'skipped (no helper image)' });
    expect(names(rt.containers)).toEqual(['al-other-fra', 'someone-elses']);
    expect(names(rt.networks)).toEqual(['al-other-fra--t-eu', 'bridge']);
    // Networks go once the containers using them are gone.
    const lastContainer = Math.max(...rt.calls.map((c, i) => (c.startsWith('removeContainer') ? i : -1)));
    expect(lastContainer).toBeLessThan(rt.calls.findIndex((c) => c.startsWith('removeNetwork')));
  });

  it('with no lab removes every lab, and never what carries no lab label', async () => {
    const rt = engine();
    const r = await labDown(rt, undefined, quiet);
    expect(r.labs).toEqual(['default', 'other']);
    expect(names(rt.containers)).toEqual(['someone-elses']);
    expect(names(rt.networks)).toEqual(['bridge']);
  });

  it('removes the host firewall rules from a helper in the given image', async () => {
    const rt = engine();
    const run: { image: string; cmd?: string[] }[] = [];
    rt.onRun = (spec) => {
      run.push(spec);
      return { exitCode: 0, stdout: 'iptables-nft: removed\n', stderr: '' };
    };
    const r = await labDown(rt, 'default', quiet, 'anycast-lab/router:current');
    expect(r.firewall).toBe('iptables-nft: removed');
    expect(run).toEqual([expect.objectContaining({ image: 'anycast-lab/router:current', cmd: ['sh', '-c', removeScript('default')] })]);
  });
});
