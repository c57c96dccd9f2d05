// The failover panel's live timeline: one trial as it happens, drawn by the
// renderer the report's per-trial SVGs use (the same rows, colours, fault and
// restore lines), and the run's state around it. Pure except for the clock
// it is handed.
//
// Why the run's own probe samples, not the dashboard's catchment stream:
// the samples are what the result judges (10 ms UDP probes, sent-time on the
// CLOCK_MONOTONIC of faultMs/restoreMs), so the live picture and the report
// agree to the probe; the catchment stream is a 200 ms probe read 4×/s and
// stamped when the server read it (±450 ms against a mark from a progress
// step). Cost, measured with renderTimeline on synthetic samples (4 clients,
// 100 UDP + 10 TCP probes/s): 2.6–4.7 ms per render for a 6–15 s trial, 8.9 ms
// for 60 s, ~5 KB of SVG; at 4 renders a second that is ≤ 4 % of a core and
// 20 KB/s on the SSE stream. Exposing the samples took one optional hook in
// runFailover (`onLive`).

import type { Sample } from '../contract/sample.js';
import type { TrialLiveEvent } from '../experiment/failover.js';
import { renderTimeline } from '../report/svg-timeline.js';
import type { Lab } from '../topology/model.js';
import { popColours } from './pop-colours.js';

export type RunState = 'running' | 'done' | 'failed' | 'stopped';

export interface RunRequest {
  pop: string;
  mode: string;
  trials: number;
}

/** What the page's panel draws; sent as the SSE event `failover`. */
export interface FailoverLiveView extends RunRequest {
  id: string;
  state: RunState;
  /** The trial on screen; 0 while the run waits for the lab's baseline before the first. */
  trial: number;
  /** The run's newest progress line ("fra inject freeze"). */
  step: string;
  error: string | null;
  /** The trial's timeline so far; null before its probes started. */
  svg: string | null;
  marks: { fault: boolean; restore: boolean };
}

interface TrialState {
  trial: number;
  startMs: number;
  samples: (client: string) => readonly Sample[];
  faultMs?: number;
  restoreMs?: number;
  stoppedMs?: number;
}

export interface LiveRun {
  on(ev: TrialLiveEvent): void;
  step(text: string): void;
  finish(state: Exclude<RunState, 'running'>, error?: string): void;
  /** `nowMs`: the probes' clock (monoMs), where the still-running trial's timeline ends. */
  view(nowMs: number): FailoverLiveView;
  /** A trial's probes are running: the page needs a new picture every tick. */
  readonly probing: boolean;
}

/** `failedPop`: the PoP the verdicts judge clients as leaving (none when the mode withdraws nothing), as the report's timelines do. */
export function liveRun(lab: Lab, id: string, req: RunRequest, failedPop: string | undefined, probeIntervalMs: number): LiveRun {
  const colours = popColours(lab);
  let state: RunState = 'running';
  let step = 'starting';
  let error: string | null = null;
  let t: TrialState | null = null;

  const draw = (nowMs: number): string | null => {
    if (!t) return null;
    const cur = t;
    const clients = lab.clients.map((c) => ({ client: c.name, samples: cur.samples(c.name).slice() }));
    const first = Math.min(cur.startMs, ...clients.flatMap((c) => (c.samples.length ? [c.samples[0].sentMs] : [])));
    const ended = cur.stoppedMs !== undefined;
    return renderTimeline({
      title: `${req.mode} ${req.pop} — trial ${cur.trial}/${req.trials}${ended ? '' : ' (live)'}`,
      subtitle: `UDP DNS probes every ${probeIntervalMs} ms from inside each client, coloured by the answering PoP: the samples the result judges.`,
      clients,
      faultMs: cur.faultMs,
      restoreMs: cur.restoreMs,
      startMs: first,
      endMs: Math.max(first + 1, cur.stoppedMs ?? nowMs),
      popColors: colours,
      failedPop,
      // Verdicts once the probes have stopped: before, a client still waiting for BFD would read "never recovered".
      verdicts: ended,
    });
  };

  return {
    on(ev) {
      if (ev.type === 'probing') t = { trial: ev.trial, startMs: ev.atMs, samples: ev.samples };
      else if (t && t.trial === ev.trial) {
        if (ev.type === 'fault') t.faultMs = ev.atMs;
        else if (ev.type === 'restore') t.restoreMs = ev.atMs;
        else t.stoppedMs = ev.atMs;
      }
    },
    step(text) {
      step = text;
    },
    finish(s, e) {
      state = s;
      error = e ?? null;
      if (t && t.stoppedMs === undefined) t.stoppedMs = Math.max(t.startMs, t.restoreMs ?? t.faultMs ?? t.startMs);
    },
    view: (nowMs) => ({
      id,
      ...req,
      state,
      trial: t?.trial ?? 0,
      step,
      error,
      svg: draw(nowMs),
      marks: { fault: t?.faultMs !== undefined, restore: t?.restoreMs !== undefined },
    }),
    get probing() {
      return state === 'running' && !!t && t.stoppedMs === undefined;
    },
  };
}
