// Pure judgements on a catchment (client → PoP, as answered inside the clients).
import type { Catchment } from '../policy/catchment.js';

/** "c-us is answered by iad, want gru" for every client off its wanted PoP; clients not in `want` are ignored. */
export function catchmentProblems(seen: Catchment, want: Readonly<Record<string, string>>): string[] {
  return Object.entries(want)
    .filter(([client, pop]) => seen[client] !== pop)
    .map(([client, pop]) => `${client} is ${seen[client] ? `answered by ${seen[client]}` : 'not answered'}, want ${pop}`);
}
