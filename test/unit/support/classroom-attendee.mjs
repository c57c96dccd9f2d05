// One simulated attendee for the classroom board test, as its own process:
// node classroom-attendee.mjs <board url> <code> <index> <name>
// It posts what an attendee's lab would (join, up, exercise start/check/hint/
// solve) following a scenario chosen by its index, and honours 429s as a
// patient client would. Plain JS: 30 of these start in well under a second.
const [url, code, indexArg, name] = process.argv.slice(2);
const i = Number(indexArg);
const id = `sim-attendee-${String(i).padStart(2, '0')}`;
const min = 60_000;

async function post(ev) {
  for (let tries = 0; tries < 20; tries++) {
    const res = await fetch(new URL('api/events', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${code}` },
      body: JSON.stringify({ v: 1, id, name, ...ev }),
    });
    if (res.status === 429) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? '1') * 1000));
      continue;
    }
    if (res.status !== 200) throw new Error(`${name}: ${ev.type} → ${res.status} ${await res.text()}`);
    return;
  }
  throw new Error(`${name}: ${ev.type} still refused after 20 tries`);
}

const check = (exercise, passed, failed, attempt, elapsedMs) =>
  post({
    type: 'check',
    exercise,
    passed,
    criteria: 3,
    failed: failed.map((n) => ({ name: n, reason: `${n}: c-us is answered by iad, want gru` })),
    attempt,
    elapsedMs,
  });

const scenarios = [
  // fails twice on different things, then passes
  async () => {
    await check('prepend-catchment', false, ['only own routers changed'], 1, 2 * min);
    await check('prepend-catchment', false, ['c-us answered by gru'], 2, 5 * min);
    await check('prepend-catchment', true, [], 3, (7 + (i % 4)) * min);
  },
  // the same check three times: stuck
  async () => {
    for (let a = 1; a <= 3; a++) await check('prepend-catchment', false, ['c-us answered by gru'], a, a * 3 * min);
  },
  // a hint, a pass, on to the next exercise and a first failure there
  async () => {
    await post({ type: 'hint', exercise: 'prepend-catchment', n: 1 });
    await check('prepend-catchment', true, [], 1, (5 + (i % 3)) * min);
    await post({ type: 'start', exercise: 'drain-maintenance' });
    await check('drain-maintenance', false, ['no client lost an answer'], 1, 4 * min);
  },
  // fast: two exercises passed, the third started
  async () => {
    await check('prepend-catchment', true, [], 1, (3 + (i % 2)) * min);
    await post({ type: 'start', exercise: 'drain-maintenance' });
    await check('drain-maintenance', true, [], 1, (9 + (i % 5)) * min);
    await post({ type: 'start', exercise: 'tcp-stream' });
  },
  // gave up: the reference solution, then a pass
  async () => {
    await check('prepend-catchment', false, ['c-us answered by gru'], 1, 6 * min);
    await post({ type: 'solve', exercise: 'prepend-catchment' });
    await check('prepend-catchment', true, [], 2, 14 * min);
  },
];

await post({ type: 'join' });
await post({ type: 'up', lab: 'default' });
await post({ type: 'start', exercise: 'prepend-catchment' });
await scenarios[i % scenarios.length]();
