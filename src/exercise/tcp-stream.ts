// A long-lived TCP stream across a maintenance of fra. No TCP connection
// survives a change of anycast instance: after the move c-de's segments reach
// iad, which has no state for the connection and resets it. What the operator
// controls is *how* it breaks. Drained (withdraw), the move is immediate and
// the reset comes at once, so the client reconnects, now to iad, within a
// line or two; a hard failure (freeze, a stopped service) leaves the stream
// silent until the client's idle timeout (1 s) gives up on it. The checker
// reads the stream's own recording: who fed it, how each connection ended,
// and its longest silence.

import { monoMs } from '../contract/sample.js';
import { readOverrides } from '../lab/overrides.js';
import { setDrain } from '../policy/live-policy.js';
import { maintenanceCleanup, popAnswers } from './drain-maintenance.js';
import { type Criterion, criterion, type Exercise } from './exercise.js';
import { readRecording, recordingEnded, startRecording, streamStory } from './recording.js';

const ID = 'tcp-stream';
const POP = 'fra';
const BACKUP = 'iad';
const CLIENT = 'c-de';
/** The stream client's idle timeout (probe agent streamIdleMs): a longer silence is a stream given up on. */
const MAX_SILENCE_MS = 1000;
/** The server writes a line every 100 ms: a stream whose last line is older than this is not alive now. */
const ALIVE_MS = 2000;

export const tcpStream: Exercise = {
  id: ID,
  // The README suggests `break fra freeze` to feel a hard failure: undone here too.
  cleanup: maintenanceCleanup(ID, POP),
  async inject({ rt, lab }) {
    return startRecording(rt, lab, ID, [CLIENT], { streams: 1 });
  },
  async check({ rt, lab }) {
    const [rec, found, answers] = await Promise.all([readRecording(rt, lab, ID, CLIENT), readOverrides(rt, lab, { routers: [POP] }), popAnswers(rt, lab, POP)]);
    // Containers share the host's CLOCK_MONOTONIC, so the agent's line times compare with ours.
    const story = streamStory(rec.samples);
    const ended = recordingEnded(rec, ID);
    const visited = story.pops.indexOf(BACKUP);
    const back = visited >= 0 && story.pops.slice(visited + 1).includes(POP);
    const ageMs = story.lastLineMs === null ? null : Math.round(monoMs() - story.lastLineMs);
    const criteria: Criterion[] = [
      criterion(
        `${CLIENT}'s stream moved to ${BACKUP} for the maintenance and back to ${POP}`,
        back ? [] : [`the stream was fed by ${story.pops.join(' → ') || 'nobody'}: move ${CLIENT} to ${BACKUP}, then bring ${POP} back`],
        `fed by ${story.pops.join(' → ')}; ${story.ends.length} connection${story.ends.length === 1 ? '' : 's'} ended (${story.ends.join(', ') || 'none'}): each move resets it, the new PoP has no state for it`,
      ),
      criterion(
        `the stream never went silent for more than ${MAX_SILENCE_MS} ms`,
        [
          ...(ended ? [ended] : []),
          ...(story.longestSilenceMs > MAX_SILENCE_MS
            ? [
                `it went silent for ${story.longestSilenceMs} ms: a move the client had to time out on (a hard failure); drain first, so the move resets the stream at once`,
              ]
            : []),
          ...(ageMs === null || ageMs > ALIVE_MS ? [`the stream has had no line for ${ageMs === null ? 'ever' : `${ageMs} ms`}`] : []),
        ],
        `longest silence ${story.longestSilenceMs} ms over ${story.lines} lines`,
      ),
      criterion(
        `${POP} is back in service`,
        [
          ...(found.drained.includes(POP) ? [`${POP} is still drained: \`npm run lab -- announce ${POP}\``] : []),
          ...(answers === null ? [`${POP}'s responder does not answer`] : []),
        ],
        `${POP} announces and answers`,
      ),
    ];
    return criteria;
  },
  async solve({ rt, lab, progress, signal }) {
    const out = await setDrain(rt, lab, POP, true, { progress, signal });
    const back = await setDrain(rt, lab, POP, false, { progress, signal });
    return [out.change, back.change];
  },
};
