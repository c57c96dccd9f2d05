// checkpoint restore's diff: which statements a router gained or lost since
// the checkpoint, and the vtysh lines that undo exactly those.
import { describe, expect, it } from 'vitest';
import { additionCommands, configDiff, describeStatement, removalCommands, removals } from '../../src/lab/checkpoint-diff.js';

const SAVED = `frr version 8.4.4
frr defaults traditional
hostname fra
!
router bgp 64500
 bgp router-id 10.255.0.1
 no bgp ebgp-requires-policy
 neighbor 10.77.0.2 remote-as 65010
 !
 address-family ipv4 unicast
  network 192.0.2.0/24
  neighbor 10.77.0.2 route-map FROM-t-eu in
  neighbor 10.77.0.2 route-map TO-t-eu out
 exit-address-family
exit
!
route-map TO-t-eu permit 10
exit
!
route-map FROM-t-eu permit 10
 set local-preference 200
exit
!
end
`;

/** The attendee prepended towards t-eu, changed local-pref, added BFD by hand and a route-map entry. */
const CHANGED = SAVED.replace(
  'route-map TO-t-eu permit 10\nexit',
  'route-map TO-t-eu permit 10\n set as-path prepend 64500 64500 64500\nexit\n!\nroute-map TO-t-eu permit 20\n set metric 50\nexit',
)
  .replace('set local-preference 200', 'set local-preference 300')
  .replace(' neighbor 10.77.0.2 remote-as 65010\n', ' neighbor 10.77.0.2 remote-as 65010\n neighbor 10.77.0.2 bfd\n');

describe('configDiff', () => {
  it('is empty for the same config, whatever FRR prints around it', () => {
    expect(configDiff(SAVED, SAVED.replace('frr version 8.4.4', 'frr version 8.4.5'))).toEqual({ add: [], remove: [] });
  });

  it('names each statement gained or lost with its blocks', () => {
    const d = configDiff(SAVED, CHANGED);
    expect(d.add).toEqual(['route-map FROM-t-eu permit 10 > set local-preference 200']);
    expect(d.remove).toEqual([
      'router bgp 64500 > neighbor 10.77.0.2 bfd',
      'route-map TO-t-eu permit 10 > set as-path prepend 64500 64500 64500',
      'route-map TO-t-eu permit 20',
      'route-map TO-t-eu permit 20 > set metric 50',
      'route-map FROM-t-eu permit 10 > set local-preference 300',
    ]);
  });

  it('leaves out what the lab changes by itself (a PoP announcement)', () => {
    const withdrawn = SAVED.replace('  network 192.0.2.0/24\n', '');
    expect(configDiff(SAVED, withdrawn).add).toEqual(['router bgp 64500 > address-family ipv4 unicast > network 192.0.2.0/24']);
    expect(configDiff(SAVED, withdrawn, [/> network 192\.0\.2\.0\/24$/])).toEqual({ add: [], remove: [] });
  });
});

describe('removals and additions', () => {
  it('removes each statement inside its blocks, with its negations from the full line down, never shorter than three words (`no neighbor X` would take the whole neighbour), and lets a removed block take its contents', () => {
    const d = configDiff(SAVED, CHANGED);
    expect(removals(d)).toEqual([
      { parents: ['router bgp 64500'], candidates: ['no neighbor 10.77.0.2 bfd'] },
      {
        parents: ['route-map TO-t-eu permit 10'],
        candidates: [
          'no set as-path prepend 64500 64500 64500',
          'no set as-path prepend 64500 64500',
          'no set as-path prepend 64500',
          'no set as-path prepend',
          'no set as-path',
        ],
      },
      { parents: [], candidates: ['no route-map TO-t-eu permit 20', 'no route-map TO-t-eu permit'] },
      { parents: ['route-map FROM-t-eu permit 10'], candidates: ['no set local-preference 300', 'no set local-preference'] },
    ]);
    expect(removalCommands(removals(d)[0], 'no neighbor 10.77.0.2 bfd')).toEqual([
      'configure terminal',
      'router bgp 64500',
      'no neighbor 10.77.0.2 bfd',
      'end',
    ]);
  });

  it('adds back in the checkpoint order, entering and leaving each block', () => {
    expect(additionCommands(configDiff(SAVED, CHANGED))).toEqual([
      'configure terminal',
      'route-map FROM-t-eu permit 10',
      'set local-preference 200',
      'exit',
      'end',
    ]);
  });

  it('puts back a statement shown in its negative form by negating the negation', () => {
    const d = configDiff(SAVED, SAVED.replace(' no bgp ebgp-requires-policy\n', ''));
    expect(additionCommands(d)).toEqual(['configure terminal', 'router bgp 64500', 'no bgp ebgp-requires-policy', 'exit', 'end']);
    const back = configDiff(SAVED.replace(' no bgp ebgp-requires-policy\n', ''), SAVED);
    expect(removals(back)).toEqual([{ parents: ['router bgp 64500'], candidates: ['bgp ebgp-requires-policy'] }]);
  });

  it('is nothing at all when nothing changed', () => {
    const d = configDiff(SAVED, SAVED);
    expect([removals(d), additionCommands(d)]).toEqual([[], []]);
  });

  it('describes a statement for the report', () => {
    expect(describeStatement('router bgp 64500 > neighbor 10.77.0.2 bfd', '-')).toBe('- neighbor 10.77.0.2 bfd (in router bgp 64500)');
    expect(describeStatement('route-map TO-t-eu permit 20', '-')).toBe('- route-map TO-t-eu permit 20');
  });
});
