// The edits the image builder makes to FRR's binaries after mmdebstrap, one
// entry per patch: which file, how, and the image label that records whether
// it applied. A patch that does not recognise its file (another FRR build)
// leaves it as Debian built it and the build says why: the lab still works,
// with FRR's own behaviour. Pure; mmdebstrap-builder.ts does the tar I/O.

import { patchBgpdHolds } from './bgpd-holds.js';
import { patchFrrPoll } from './frr-poll.js';
import { BGPD_HOLDS_LABEL, FRR_POLL_LABEL, type ImagePatch } from './image-specs.js';

export type RootfsPatchResult = { ok: true; bytes: Uint8Array; done: string } | { ok: false; reason: string };

export interface RootfsPatch {
  /** File in the rootfs, without a leading slash. */
  path: string;
  /** Image label recording the outcome: `applied` or "stock". */
  label: string;
  applied: string;
  apply(bytes: Uint8Array): RootfsPatchResult;
  /** What the image runs with when the patch does not apply, for the build log. */
  withoutIt: string;
}

export const ROOTFS_PATCHES: Readonly<Record<ImagePatch, RootfsPatch>> = {
  'bgpd-holds': {
    path: 'usr/lib/frr/bgpd',
    label: BGPD_HOLDS_LABEL,
    applied: '0',
    apply(bytes) {
      const r = patchBgpdHolds(bytes);
      return r.ok ? { ok: true, bytes: r.bytes, done: `bgpd: ${r.sites.map((s) => `${s.queue} hold ${s.holdMs} → 0 ms`).join(', ')}` } : r;
    },
    withoutIt: "bgpd left as built, with FRR's 60 ms of work-queue holds after BFD detection",
  },
  'frr-poll': {
    path: 'usr/lib/x86_64-linux-gnu/frr/libfrr.so.0.0.0',
    label: FRR_POLL_LABEL,
    applied: 'ceil',
    apply(bytes) {
      const r = patchFrrPoll(bytes);
      return r.ok ? { ok: true, bytes: r.bytes, done: 'libfrr: poll timeout rounded up to the next ms (no spin before each timer)' } : r;
    },
    withoutIt: 'libfrr left as built: every FRR daemon spins through the last fraction of a millisecond before each timer (bfdd: each BFD packet)',
  },
};
