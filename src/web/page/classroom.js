// The trainer's board: plain JS, no build step. The server computes the board
// (flags, medians); this file only lays it out. Every attendee-provided string
// (names, failure messages) goes in through textContent or an attribute, never
// as HTML.

const $ = (sel) => document.querySelector(sel);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

const state = { view: null, lastAt: 0 };
window.classroom = state;

const mmss = (ms) => {
  if (ms === null || ms === undefined) return '–';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
};
const minutes = (ms) => `${Math.floor(ms / 60000)} min`;
// Long exercise ids wrap at their dashes in the narrow columns.
const breakable = (id) => id.replace(/-/g, '-\u200b');

function cell(c, current) {
  const td = el('td', 'cell');
  td.classList.toggle('current', current);
  if (!c) return td;
  td.classList.add(c.state);
  if (c.state === 'passed') td.append(c.solved ? 'solve' : `✓ ${mmss(c.timeMs)}`);
  else if (c.state === 'failing') td.append(`✗ ${c.attempts}`);
  else if (c.state === 'started') td.append('…');
  if (c.solved) td.classList.add('solved');
  if (c.stuck) td.classList.add('stuck');
  if (c.hints) td.append(el('b', 'hints', ` h${c.hints}`));
  const lines = c.failed.map((f) => `✗ ${f.name}: ${f.reason}`);
  if (c.stuck) lines.unshift(`stuck on: ${c.stuck}`);
  if (lines.length) td.setAttribute('title', lines.join('\n'));
  return td;
}

function render(view) {
  state.view = view;
  const present = view.attendees.filter((a) => !a.left);
  $('#counts').textContent = `${present.length} attendee${present.length === 1 ? '' : 's'}`;
  const fs = $('#flags-summary');
  fs.textContent = view.flagged.stuck || view.flagged.idle ? `${view.flagged.stuck} stuck · ${view.flagged.idle} idle` : 'nobody flagged';
  fs.className = view.flagged.stuck || view.flagged.idle ? 'warn' : '';

  const head = $('#board-head');
  head.replaceChildren(el('th', 'who', 'attendee'), el('th', 'lab', 'lab'), ...view.exercises.map((e) => el('th', 'ex', breakable(e.id))));

  const rows = view.attendees.map((a) => {
    const tr = el('tr');
    tr.dataset.attendee = a.id;
    if (a.left) tr.classList.add('left');
    if (a.stuck || a.idleMs !== null) tr.classList.add('flagged');
    const who = el('td', 'who', a.name);
    if (a.stuck) who.append(el('span', 'flag stuck', 'stuck'));
    if (a.idleMs !== null) who.append(el('span', 'flag idle', `idle ${minutes(a.idleMs)}`));
    const lab = el('td', `lab ${a.lab ?? 'none'}`, a.left ? 'left' : (a.lab ?? '–'));
    tr.append(who, lab, ...view.exercises.map((e) => cell(a.cells[e.id], a.current === e.id)));
    return tr;
  });
  const none = el('tr');
  none.append(el('td', 'none', 'no attendee has joined yet'));
  $('#board-rows').replaceChildren(...(rows.length ? rows : [none]));

  const passed = el('tr', 'passed-row');
  passed.append(el('th', 'who', 'passed'), el('th', 'lab', ''), ...view.exercises.map((e) => el('td', 'num', `${e.passed}/${e.started}`)));
  const med = el('tr', 'median-row');
  med.append(el('th', 'who', 'median time'), el('th', 'lab', ''), ...view.exercises.map((e) => el('td', 'num', mmss(e.medianMs))));
  $('#board-foot').replaceChildren(passed, med);

  const help = view.attendees.filter((a) => a.stuck || a.idleMs !== null);
  $('#help').replaceChildren(
    ...(help.length
      ? help.map((a) => {
          const li = el('li');
          li.dataset.attendee = a.id;
          li.append(el('span', 'name', a.name), el('span', 'where', ` ${a.current ?? ''}`));
          const c = a.current ? a.cells[a.current] : null;
          if (a.stuck) li.append(el('div', 'why stuck', `${a.stuck.count}× ${a.stuck.criterion}`));
          if (a.idleMs !== null) li.append(el('div', 'why idle', `no progress for ${minutes(a.idleMs)}`));
          for (const f of (c?.failed ?? []).slice(0, 2)) li.append(el('div', 'reason', f.reason));
          return li;
        })
      : [el('li', 'none', 'nobody')]),
  );
  state.lastAt = Date.now();
  $('#clock').textContent = new Date(view.at).toLocaleTimeString();
  $('#clock').classList.remove('stale');
}

function connect() {
  const es = new EventSource('/events');
  es.addEventListener('board', (m) => render(JSON.parse(m.data)));
  es.onerror = () => $('#clock').classList.add('stale');
}

// The server refreshes at least every 15 s; a board older than 40 s is not live.
setInterval(() => {
  if (state.lastAt && Date.now() - state.lastAt > 40_000) $('#clock').classList.add('stale');
}, 5000);
connect();
