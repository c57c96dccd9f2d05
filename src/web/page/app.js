// The dashboard page: plain JS, no build step. The server does the thinking
// (elements, link state, colours); this file lays out and paints.
/* global cytoscape */

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const k of kids) e.append(k);
  return e;
};

const state = { topo: null, cy: null, lastAt: 0, failover: null };
window.dashboard = state;

const STYLE = [
  {
    selector: 'node',
    style: { label: 'data(label)', color: '#f1f5f9', 'font-size': 22, 'text-valign': 'center', 'text-halign': 'center', 'font-weight': 'bold' },
  },
  {
    selector: 'node.as',
    style: {
      'background-color': '#334155',
      'background-opacity': 0.3,
      'border-color': '#64748b',
      'border-width': 2,
      shape: 'round-rectangle',
      'text-valign': 'top',
      'text-halign': 'center',
      'font-size': 24,
      color: '#cbd5e1',
      'font-weight': 'normal',
      padding: 14,
    },
  },
  { selector: 'node.router', style: { shape: 'ellipse', width: 96, height: 96, 'background-color': '#475569', 'border-width': 4, 'border-color': '#0f172a' } },
  { selector: 'node.pop', style: { shape: 'hexagon', width: 116, height: 100, 'font-size': 28, 'background-color': 'data(colour)', color: '#000' } },
  {
    selector: 'node.pop.withdrawn',
    style: { 'background-opacity': 0.25, 'border-color': '#ef4444', 'border-width': 6, 'border-style': 'dashed', color: '#f1f5f9' },
  },
  { selector: 'node.client', style: { shape: 'round-rectangle', width: 110, height: 48, 'background-color': '#64748b', 'font-size': 22, color: '#000' } },
  { selector: 'node.down', style: { 'background-color': '#7f1d1d', 'border-color': '#ef4444', 'border-width': 6, color: '#fca5a5' } },
  { selector: 'edge', style: { width: 7, 'line-color': '#64748b', 'curve-style': 'bezier' } },
  { selector: 'edge.lan', style: { width: 5, 'line-style': 'dotted' } },
  { selector: 'node.collector', style: { shape: 'diamond', width: 80, height: 80, 'background-color': '#a78bfa', color: '#000' } },
  { selector: 'edge.peering', style: { width: 3, 'line-color': '#a78bfa', 'line-style': 'dashed' } },
  { selector: 'edge.up', style: { 'line-color': '#22c55e' } },
  { selector: 'edge.bfd-down', style: { 'line-color': '#f59e0b' } },
  { selector: 'edge.down', style: { 'line-color': '#ef4444', 'line-style': 'dashed' } },
];

async function getJson(url, init) {
  const r = await fetch(url, init);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || `${url}: HTTP ${r.status}`);
  return body;
}

function showErrors(errors) {
  const box = $('#errors');
  box.hidden = !errors.length;
  box.textContent = errors.join(' · ');
}

function drawTopology(topo) {
  state.cy = cytoscape({
    container: $('#cy'),
    elements: topo.elements,
    style: STYLE,
    // Compound nodes need a force layout; high compound gravity keeps the operator's AS (PoPs on every continent) from swallowing the view.
    layout: {
      name: 'cose',
      animate: false,
      randomize: false,
      nodeRepulsion: () => 200000,
      idealEdgeLength: () => 60,
      gravity: 40,
      gravityCompound: 4,
      nestingFactor: 0.6,
      padding: 10,
    },
    userZoomingEnabled: false,
    boxSelectionEnabled: false,
    autoungrabify: true,
  });
  window.addEventListener('resize', () => state.cy.fit(undefined, 20));
}

function drawPops(topo) {
  const box = $('#pops');
  for (const p of topo.pops) {
    const card = el('div', { class: 'pop-card', 'data-pop': p.name }, el('div', { class: 'name' }, `${p.colo} `), el('div', { class: 'state' }, '…'));
    card.style.borderColor = topo.colours[p.name];
    if (topo.control) {
      const btn = el('button', { type: 'button', class: 'drain' }, 'withdraw');
      btn.addEventListener('click', () => popAction(p.name, btn.dataset.action, btn));
      btn.dataset.action = 'withdraw';
      // Break it the way `lab break` does: the same fault modes as `failover`.
      const mode = el('select', { class: 'fault-mode', title: 'fault mode' });
      for (const m of topo.faultModes) mode.append(el('option', { value: m.name, title: m.summary }, m.name));
      mode.value = 'freeze';
      // A dual-stack lab: which family the break hits, as `lab break --family` (modes that can aim only; the rest hit both).
      const family = topo.prefix6 ? familyChoice(topo, mode) : null;
      const fault = el('button', { type: 'button', class: 'fault' }, 'break');
      fault.dataset.action = 'break';
      fault.addEventListener('click', () => {
        const aim = fault.dataset.action === 'break' && family && family.value !== 'both' ? `?family=${family.value}` : '';
        popAction(p.name, `${fault.dataset.action}/${encodeURIComponent(mode.value)}${aim}`, fault);
      });
      card.append(btn, el('div', { class: 'fault-row' }, mode, ...(family ? [family] : []), fault));
    }
    box.append(card);
  }
}

const aimable = (topo, modeName) => topo.faultModes.some((m) => m.name === modeName && m.perFamily);

function familyChoice(topo, mode) {
  const family = el('select', { class: 'fault-family', title: 'which family the break hits' });
  for (const [value, label] of [
    ['both', 'both'],
    ['ipv4', 'IPv4 only'],
    ['ipv6', 'IPv6 only'],
  ])
    family.append(el('option', { value }, label));
  const follow = () => {
    family.disabled = !aimable(topo, mode.value);
    if (family.disabled) family.value = 'both';
  };
  mode.addEventListener('change', follow);
  follow();
  return family;
}

async function popAction(pop, action, btn) {
  btn.disabled = true;
  const verb = action.split('/')[0];
  btn.textContent = `${verb.replace(/e$/, '')}ing…`;
  try {
    await getJson(`/api/pops/${encodeURIComponent(pop)}/${action}`, { method: 'POST' });
  } catch (e) {
    showErrors([e.message]);
  } finally {
    btn.disabled = false;
  }
}

// A dual-stack lab (topo.prefix6): an IPv6 column beside the IPv4 one, so a
// client whose two families land on different PoPs reads as such.
function drawCatchmentRows(topo) {
  const dual = !!topo.prefix6;
  if (dual) {
    const head = ['client', 'where', 'IPv4', 'IPv6', ''].map((h) => el('th', {}, h));
    $('#catchment').prepend(el('thead', {}, el('tr', {}, ...head)));
  }
  const body = $('#catchment tbody');
  for (const c of topo.clients) {
    const expect = dual && c.expected6 !== c.expected ? `expect ${c.expected ?? '-'} / ${c.expected6 ?? '-'}` : c.expected ? `expect ${c.expected}` : '';
    body.append(
      el(
        'tr',
        { 'data-client': c.name },
        el('td', { class: 'client' }, c.name),
        el('td', { class: 'where' }, c.location),
        el('td', { class: 'pop none' }, '…'),
        ...(dual ? [el('td', { class: 'pop6 none' }, '…')] : []),
        el('td', { class: 'expect' }, expect),
      ),
    );
  }
}

const paintCell = (cell, c) => {
  cell.textContent = c.pop ?? 'no answer';
  cell.classList.toggle('none', !c.pop);
  cell.style.background = c.colour;
};

function applyEvent(ev) {
  state.lastAt = Date.now();
  $('#clock').textContent = new Date(ev.at).toLocaleTimeString();
  $('#clock').classList.remove('stale');
  showErrors(ev.errors);
  const cy = state.cy;
  cy.batch(() => {
    for (const [name, s] of Object.entries(ev.links)) {
      const e = cy.getElementById(name);
      e.removeClass('up down bfd-down');
      if (s.bgp === 'down') e.addClass('down');
      else if (s.bgp === 'up') e.addClass(s.bfd === 'down' ? 'bfd-down' : 'up');
    }
    for (const n of cy.nodes('.router, .client')) {
      const st = ev.nodes[n.id()];
      n.toggleClass('down', st !== undefined && st !== 'running');
    }
    for (const [name, p] of Object.entries(ev.pops)) cy.getElementById(name).toggleClass('withdrawn', p.drained || p.announce !== 'announced');
    for (const c of ev.catchment) {
      const lan = cy.getElementById(`lan:${c.client}`);
      lan.style('line-color', c.pop ? c.colour : '#64748b');
      cy.getElementById(c.client).style('background-color', c.colour);
    }
  });
  for (const [name, p] of Object.entries(ev.pops)) {
    const card = document.querySelector(`.pop-card[data-pop="${name}"]`);
    if (!card) continue;
    const word = p.broken
      ? `broken: ${p.broken}${p.brokenFamily ? ` (${p.brokenFamily} only)` : ''}`
      : p.drained
        ? 'drained'
        : (p.announce ?? (ev.nodes[name] && ev.nodes[name] !== 'running' ? ev.nodes[name] : 'unknown'));
    const s = card.querySelector('.state');
    s.textContent = word;
    s.className = `state ${p.broken ? 'broken' : word}`;
    const btn = card.querySelector('button.drain');
    if (btn && !btn.disabled) {
      btn.dataset.action = p.drained ? 'announce' : 'withdraw';
      btn.textContent = btn.dataset.action;
    }
    const fault = card.querySelector('button.fault');
    if (fault && !fault.disabled) {
      const mode = card.querySelector('select.fault-mode');
      fault.dataset.action = p.broken ? 'restore' : 'break';
      fault.textContent = fault.dataset.action;
      if (p.broken) mode.value = p.broken;
      mode.disabled = !!p.broken;
      const family = card.querySelector('select.fault-family');
      if (family) {
        if (p.broken) family.value = p.brokenFamily ?? 'both';
        family.disabled = !!p.broken || !aimable(state.topo, mode.value);
      }
    }
  }
  for (const c of ev.catchment) {
    const row = document.querySelector(`tr[data-client="${c.client}"]`);
    if (!row) continue;
    paintCell(row.querySelector('.pop'), c);
    const cell6 = row.querySelector('.pop6');
    if (cell6 && c.ipv6) paintCell(cell6, c.ipv6);
    const off = (x) => !!x && !!x.expected && x.pop !== x.expected;
    row.querySelector('.expect').classList.toggle('moved', off(c) || off(c.ipv6));
  }
}

async function showLookingGlass(router) {
  const box = $('#lg');
  try {
    const lg = await getJson(`/api/lg/${encodeURIComponent(router)}`);
    box.replaceChildren();
    if (!lg.paths.length) {
      box.append(el('p', { class: 'none' }, `${router} has no path to ${lg.prefix}`));
      return;
    }
    const rows = lg.paths.map((p) =>
      el(
        'tr',
        { class: p.best ? 'best' : '' },
        el('td', {}, p.best ? '★ best' : p.valid ? 'valid' : 'invalid'),
        el('td', {}, p.asPath || '(local)'),
        el('td', {}, p.peerName ?? p.peer),
        el('td', {}, p.localPref === null ? '' : `lp ${p.localPref}`),
        el('td', { class: 'why' }, p.best && p.reason ? `why: ${p.reason}` : ''),
      ),
    );
    box.append(el('table', {}, el('tbody', {}, ...rows)));
  } catch (e) {
    box.replaceChildren(el('p', { class: 'none' }, e.message));
  }
}

function startLookingGlass(topo) {
  const sel = $('#lg-router');
  for (const r of topo.routers) sel.append(el('option', { value: r.name }, `${r.name} (AS${r.asn})`));
  sel.value = topo.routers.find((r) => r.role === 'transit')?.name ?? topo.routers[0]?.name;
  sel.addEventListener('change', () => showLookingGlass(sel.value));
  showLookingGlass(sel.value);
  // Paths change with the catchment: refresh every few seconds.
  setInterval(() => showLookingGlass(sel.value), 3000);
}

// The failover panel: the server runs the CLI's `failover` and streams the
// trial's timeline (the report's own SVG) as `failover` events.
function drawFailoverPanel(topo) {
  if (!topo.control) return; // read-only: the runs list and any timeline, no controls
  const pop = el('select', { id: 'fo-pop', title: 'the PoP to break' });
  for (const p of topo.pops) pop.append(el('option', { value: p.name }, p.name));
  const mode = el('select', { id: 'fo-mode', title: 'how to break it' });
  for (const m of topo.faultModes) mode.append(el('option', { value: m.name, title: m.summary }, m.name));
  mode.value = 'freeze';
  const trials = el('input', { id: 'fo-trials', type: 'number', min: 1, max: topo.maxTrials, value: 1, title: 'trials' });
  const run = el('button', { id: 'fo-run', type: 'button' }, 'run');
  const stop = el('button', { id: 'fo-stop', type: 'button', hidden: true }, 'stop');
  run.addEventListener('click', async () => {
    run.disabled = true;
    try {
      await getJson('/api/failover', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pop: pop.value, mode: mode.value, trials: Number(trials.value) }),
      });
      refreshRuns();
    } catch (e) {
      run.disabled = false;
      showErrors([e.message]);
    }
  });
  stop.addEventListener('click', () => getJson('/api/failover/stop', { method: 'POST' }).catch((e) => showErrors([e.message])));
  $('#fo-controls').append(el('label', {}, 'PoP ', pop), el('label', {}, 'fault ', mode), el('label', {}, 'trials ', trials), run, stop);
}

function applyFailover(v) {
  const before = state.failover;
  state.failover = v;
  const running = v.state === 'running';
  const status = $('#fo-status');
  const trial = v.trial ? `trial ${v.trial}/${v.trials}` : `${v.trials} trial${v.trials === 1 ? '' : 's'}`;
  status.textContent = `${v.mode} ${v.pop} · ${trial} · ${running ? v.step : v.state}${v.error ? `: ${v.error}` : ''}`;
  status.className = v.state;
  status.dataset.run = v.id;
  // Our own server's SVG, every label escaped by the renderer.
  if (v.svg) $('#fo-timeline').innerHTML = v.svg;
  const run = $('#fo-run');
  if (run) {
    run.disabled = running;
    $('#fo-stop').hidden = !running;
  }
  if (!before || before.id !== v.id || before.state !== v.state) refreshRuns();
}

const runLine = (r) => {
  const li = el('li', { 'data-run': r.id, class: r.state });
  li.append(
    el('span', { class: 'what' }, `${r.fault}${r.faultFamily && r.faultFamily !== 'both' ? ` (${r.faultFamily} only)` : ''} ${r.pop}`),
    ` ×${r.trials} `,
    el('span', { class: 'when' }, `${new Date(r.at).toLocaleString()}${r.origin === 'disk' ? ' (out/)' : ''} `),
  );
  if (r.state === 'running') li.append(el('span', { class: 'clients' }, 'running…'));
  else if (r.error) li.append(el('span', { class: 'error' }, r.error));
  else li.append(el('span', { class: 'clients' }, r.clients.map((c) => c.text).join(' · ')));
  if (r.result) li.append(el('a', { class: 'result', href: r.result, download: `${r.id}-result.json` }, 'result.json'));
  if (r.report) li.append(el('a', { class: 'report', href: r.report, target: '_blank' }, 'report'));
  return li;
};

async function refreshRuns() {
  try {
    const { runs } = await getJson('/api/failover');
    const box = $('#fo-runs');
    box.replaceChildren(...(runs.length ? runs.map(runLine) : [el('li', { class: 'none' }, 'none yet')]));
  } catch (e) {
    showErrors([e.message]);
  }
}

async function main() {
  const topo = await getJson('/api/topology');
  state.topo = topo;
  $('#lab-name').textContent = topo.lab;
  $('#prefix').textContent = topo.prefix6 ? `${topo.prefix} ${topo.prefix6}` : topo.prefix;
  $('#mode').textContent = topo.control ? 'CONTROL' : 'read-only';
  $('#mode').className = topo.control ? 'control' : 'readonly';
  drawTopology(topo);
  drawPops(topo);
  drawCatchmentRows(topo);
  startLookingGlass(topo);
  drawFailoverPanel(topo);
  refreshRuns();
  const events = new EventSource('/events');
  events.addEventListener('snapshot', (m) => applyEvent(JSON.parse(m.data)));
  events.addEventListener('failover', (m) => applyFailover(JSON.parse(m.data)));
  setInterval(() => {
    if (Date.now() - state.lastAt > 3000) $('#clock').classList.add('stale');
  }, 1000);
}

main().catch((e) => showErrors([e.message]));
