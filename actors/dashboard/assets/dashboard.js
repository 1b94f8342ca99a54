// Rosey's dashboard page (docs/dashboard.md). Plain JavaScript, no framework and no build: the
// server pushes everything over one WebSocket; this file only draws it. Text from the server is
// always set as text (never as HTML); the one markup it takes, a chart's SVG, is parsed as XML.

const $ = (id) => document.getElementById(id);
const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
};

// ------------------------------------------------------------------------------------ the socket

const TOKEN_KEY = 'rosey.dashboard.token';
{
  // `#token=…`: the fragment never reaches a server or its logs; kept for this tab only.
  const m = /^#token=(.+)$/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname);
  }
}

const base64url = (text) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

let socket;
let retryMs = 500;
let opened = false;

function connect() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const protocols = ['rosey.dashboard.v1', ...(token ? [`rosey.token.${base64url(token)}`] : [])];
  socket = new WebSocket(
    `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/dashboard/ws`,
    protocols,
  );
  opened = false;
  socket.addEventListener('open', () => {
    opened = true;
    retryMs = 500;
    setConnection('live', 'live');
    $('token-form').hidden = true;
    if (selected) send({ type: 'chart', actor: selected });
  });
  socket.addEventListener('message', (e) => receive(JSON.parse(e.data)));
  socket.addEventListener('close', () => {
    setConnection('down', opened ? 'reconnecting…' : 'refused');
    // Refused at once: most likely the token. Ask for it, and keep trying meanwhile.
    if (!opened) $('token-form').hidden = false;
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 5000);
  });
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function setConnection(kind, text) {
  const badge = $('connection');
  badge.className = `badge ${kind}`;
  badge.textContent = text;
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value);
  socket.close();
});

function receive(m) {
  switch (m.type) {
    case 'hello':
      $('version').textContent = `v${m.version}`;
      $('violations').replaceChildren();
      $('audit').replaceChildren();
      $('log').replaceChildren();
      m.violations.forEach(addViolation);
      m.audit.forEach(addAudit);
      addLog(m.log);
      return;
    case 'tree':
      return drawTree(m);
    case 'inspect':
      return inspected(m.message);
    case 'chart':
      return drawChart(m);
    case 'violation':
      return addViolation(m.violation);
    case 'audit':
      return addAudit(m.record);
    case 'log':
      return addLog(m.lines);
    case 'action':
      return actionDone(m);
    case 'error':
      $('action-status').textContent = `${m.error.code}: ${m.error.message}`;
  }
}

// ---------------------------------------------------------------------------------------- the tree

let lastTree;
let receivedAt = 0;
const stateOf = new Map();

const duration = (ms) => {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
};
const mb = (bytes) => (bytes === undefined ? '' : `${(bytes / 1048576).toFixed(1)} MB`);
const pct = (p) => (p === undefined ? '' : `${p.toFixed(1)}%`);

/** The supervision tree's nodes by actor path (`rosey/services/router`). */
function nodesByPath(tree) {
  const out = new Map();
  const visit = (node, path) => {
    out.set(path, node);
    for (const child of node.children ?? []) visit(child, `${path}/${child.id.replace(/:\d+$/, '')}`);
  };
  if (tree) visit(tree, 'rosey');
  return out;
}

const COLUMNS = ['actor', 'status', 'state', 'restarts', 'uptime', 'pid', 'cpu', 'memory'];

function drawTree(m) {
  lastTree = m;
  receivedAt = Date.now();
  const nodes = nodesByPath(m.tree);
  const plugins = new Map((m.metrics?.plugins ?? []).map((p) => [p.name, p]));
  const body = $('tree').tBodies[0];
  const old = new Map([...body.rows].map((r) => [r.dataset.actor, r]));
  const rows = m.actors.map((a) => {
    stateOf.set(a.actor, a.state);
    const node = nodes.get(a.actor);
    const depth = a.actor.split('/').length - 1;
    // A plugin's host row carries its process's figures; the root, the main process's.
    const host = /^rosey\/plugins\/([^/]+)\/([^/]+)@(\d+)$/.exec(a.actor);
    const proc =
      a.actor === 'rosey'
        ? m.metrics?.main
        : host && plugins.get(host[1])?.generation === Number(host[3])
          ? plugins.get(host[1])?.process
          : undefined;
    const pid = node?.info?.pid ?? (a.actor === 'rosey' ? m.metrics?.main.pid : undefined);
    // Rows and cells are kept from one push to the next: only their text changes.
    let row = old.get(a.actor);
    if (!row) {
      row = el('tr');
      row.dataset.actor = a.actor;
      for (const column of COLUMNS) row.append(el('td', '', column));
      row.cells[0].style.paddingLeft = `${6 + depth * 12}px`;
    }
    const before = row.dataset.restarts;
    row.dataset.restarts = String(node?.restarts ?? '');
    row.dataset.uptime = String(node?.uptimeMs ?? '');
    row.className = [
      a.kind === 'machine' ? 'machine' : '',
      a.actor === selected ? 'selected' : '',
      /failed|error/.test(node?.status ?? a.status) ? 'bad' : '',
    ].join(' ');
    if (before !== undefined && before !== '' && before !== row.dataset.restarts) row.classList.add('flash');
    const texts = [
      a.id,
      node?.status ?? a.status,
      a.state ?? '',
      node?.restarts ?? '',
      node?.uptimeMs !== undefined ? duration(node.uptimeMs) : '',
      pid !== undefined && pid > 0 ? pid : '',
      pct(proc?.cpuPercent),
      mb(proc?.rss),
    ];
    texts.forEach((text, i) => {
      if (row.cells[i].textContent !== String(text)) row.cells[i].textContent = String(text);
    });
    return row;
  });
  // Only when the list itself changed: moving a row would detach what the mouse is on.
  if (rows.length !== body.rows.length || rows.some((r, i) => body.rows[i] !== r))
    body.replaceChildren(...rows);
  drawPlugins(m, nodes, plugins);
  drawConnectors(m, nodes);
}

$('tree').addEventListener('click', (e) => {
  const row = e.target.closest('tr.machine');
  if (row) openChart(row.dataset.actor);
});

// Uptimes move between pushes.
setInterval(() => {
  const since = Date.now() - receivedAt;
  for (const row of $('tree').tBodies[0].rows)
    if (row.dataset.uptime)
      row.querySelector('.uptime').textContent = duration(Number(row.dataset.uptime) + since);
}, 1000);

// ------------------------------------------------------------------------------- plugins, connectors

const lastReload = new Map();
const pendingActions = new Map();

/** Commands of `plugin` that ended in an error since the metrics actor started (`plugin/command/error`). */
const errorsOf = (metrics, plugin) =>
  Object.entries(metrics?.counters.commands ?? {})
    .filter(([key]) => key.startsWith(`${plugin}/`) && key.endsWith('/error'))
    .reduce((sum, [, n]) => sum + n, 0);

function drawPlugins(m, nodes, figures) {
  const sup = nodes.get('rosey/plugins');
  const body = $('plugins').tBodies[0];
  // Rows, cells and buttons are kept from one push to the next, so a click never lands on a
  // button that was just replaced.
  const old = new Map([...body.rows].map((r) => [r.dataset.plugin, r]));
  const rows = (sup?.children ?? []).map((p) => {
    const hosts = (p.children ?? []).filter((c) => c.id.startsWith(`${p.id}@`));
    const host = hosts.find((h) => h.status === 'running') ?? hosts[hosts.length - 1];
    const f = figures.get(p.id);
    const info = host?.info ?? {};
    const reload = lastReload.get(p.id);
    let row = old.get(p.id);
    if (!row) {
      row = el('tr');
      row.dataset.plugin = p.id;
      // Ten cells of text, then the actions.
      for (let i = 0; i < 11; i++) row.append(el('td'));
      row.cells[3].className = 'state';
      row.cells[4].className = 'restarts';
      row.cells[6].className = 'errors';
      row.cells[9].className = 'last-reload';
      for (const verb of ['reload', 'restart']) {
        const button = el('button', verb);
        button.dataset.verb = verb;
        button.dataset.plugin = p.id;
        row.cells[10].append(button);
      }
    }
    const lastError = host?.lastExit ?? p.lastExit ?? '';
    const texts = [
      p.id,
      info.version ?? '',
      info.generation ?? f?.generation ?? '',
      host ? (host.state ?? host.status) : p.status,
      f?.restarts ?? p.restarts,
      f?.reloads ?? 0,
      errorsOf(m.metrics, p.id),
      info.commands ?? '',
      lastError,
      reload ? `${new Date(reload.at).toLocaleTimeString()} ${reload.outcome}` : '',
    ];
    texts.forEach((text, i) => {
      if (row.cells[i].textContent !== String(text)) row.cells[i].textContent = String(text);
    });
    row.cells[8].title = lastError;
    const busy = [...pendingActions.values()].some((a) => a.plugin === p.id);
    for (const button of row.querySelectorAll('button')) button.disabled = busy;
    return row;
  });
  if (rows.length !== body.rows.length || rows.some((r, i) => body.rows[i] !== r))
    body.replaceChildren(...rows);
}

$('plugins').addEventListener('click', (e) => {
  const button = e.target.closest('button[data-verb]');
  if (!button) return;
  const id = `${button.dataset.verb}-${Date.now()}`;
  pendingActions.set(id, { plugin: button.dataset.plugin, verb: button.dataset.verb });
  button.disabled = true;
  $('action-status').textContent = `${button.dataset.verb} ${button.dataset.plugin}…`;
  send({ type: button.dataset.verb, plugin: button.dataset.plugin, id });
});

function actionDone(m) {
  pendingActions.delete(m.id);
  $('action-status').textContent = `${m.ok ? '✔' : '✘'} ${m.message}`;
  if (lastTree) drawTree(lastTree);
}

function drawConnectors(m, nodes) {
  const sup = nodes.get('rosey/connectors');
  const figures = new Map((m.metrics?.connectors ?? []).map((c) => [c.name, c]));
  $('connectors').tBodies[0].replaceChildren(
    ...(sup?.children ?? []).map((c) => {
      const { state, reason, ...rest } = c.info ?? {};
      const row = el('tr');
      row.dataset.connector = c.id;
      row.append(
        el('td', c.id),
        el('td', state ?? c.state ?? c.status, 'state'),
        Object.assign(el('td', reason ?? c.lastExit ?? ''), { title: reason ?? c.lastExit ?? '' }),
        el('td', figures.get(c.id)?.queued ?? ''),
        el(
          'td',
          Object.entries(rest)
            .map(([k, v]) => `${k}=${v}`)
            .join('  '),
          'mono',
        ),
      );
      return row;
    }),
  );
}

// ------------------------------------------------------------------- violations, audit and the log

const prepend = (list, item, max = 200) => {
  list.prepend(item);
  while (list.children.length > max) list.lastChild.remove();
};
const time = (at) => new Date(at).toLocaleTimeString();

function addViolation(v) {
  prepend(
    $('violations'),
    el(
      'li',
      `${time(v.time)} ${v.plugin} ${v.action}${v.capability ? ` (needs ${v.capability})` : ''}: ${v.reason} [${v.source}]`,
    ),
  );
}

function addAudit(r) {
  const outcome = r.outcome ? ` ${r.outcome}` : '';
  const detail =
    typeof r.detail === 'string'
      ? r.detail
      : r.detail && Object.keys(r.detail).length
        ? JSON.stringify(r.detail)
        : '';
  prepend(
    $('audit'),
    el('li', `${time(r.at)} ${r.actor} ${r.action} ${r.target}${outcome}${detail ? ` — ${detail}` : ''}`),
  );
}

// The log file's levels are words (`info`); pino's numbers are taken too.
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

function addLog(lines) {
  for (const line of lines) {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      entry = { msg: line };
    }
    const level = typeof entry.level === 'number' ? entry.level : (LEVELS[entry.level] ?? 30);
    const word = Object.keys(LEVELS).find((k) => LEVELS[k] === level) ?? String(level);
    const { time: t, level: _l, msg, actor, pid: _p, hostname: _h, ...fields } = entry;
    const rest = Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
    const text = `${t ? time(t) : ''} ${word.toUpperCase()}${actor ? ` [${actor}]` : ''} ${msg ?? ''}${rest}`;
    const item = el('li', text, `l${level}`);
    item.dataset.level = String(level);
    prepend($('log'), item, 500);
    filterLog(item);
  }
}

function filterLog(item) {
  const text = $('log-filter').value.toLowerCase();
  const level = Number($('log-level').value);
  item.hidden =
    Number(item.dataset.level) < level || (text !== '' && !item.textContent.toLowerCase().includes(text));
}
const refilter = () => [...$('log').children].forEach(filterLog);
$('log-filter').addEventListener('input', refilter);
$('log-level').addEventListener('change', refilter);

// ----------------------------------------------------------------------------------- the chart

let selected;
let chart; // { actor, root, entries: transitions kept and seen, position: index or undefined for live }

function openChart(actor) {
  selected = actor;
  $('chart-title').textContent = `— ${actor} (loading…)`;
  send({ type: 'chart', actor });
  if (lastTree) drawTree(lastTree);
}

/** Ids of the nodes a state value is in, outermost first (every region of a parallel node). */
function activeIds(root, value) {
  const out = [root.id];
  const visit = (node, v) => {
    if (typeof v === 'string') {
      const child = node.states.find((s) => s.key === v);
      if (child) out.push(child.id);
      return;
    }
    if (!v || typeof v !== 'object') return;
    for (const [key, inner] of Object.entries(v)) {
      const child = node.states.find((s) => s.key === key);
      if (!child) continue;
      out.push(child.id);
      visit(child, inner);
    }
  };
  visit(root, value);
  return out;
}

/** A message's state value: as XState has it, or rebuilt from its words (`a.b`, `p.x,p.y`). */
function valueOf(msg) {
  if (msg.value !== undefined) return msg.value;
  if (msg.state === undefined) return undefined;
  const value = {};
  for (const path of msg.state.split(',')) {
    const keys = path.split('.');
    if (keys.length === 1) return keys[0];
    let at = value;
    keys.slice(0, -2).forEach((k) => (at = at[k] = at[k] ?? {}));
    at[keys[keys.length - 2]] = keys[keys.length - 1];
  }
  return value;
}

function drawChart(m) {
  if (m.actor !== selected) return;
  const svg = new DOMParser().parseFromString(m.svg, 'image/svg+xml').documentElement;
  $('chart').replaceChildren(document.importNode(svg, true));
  const entries = m.history.filter((e) => e.kind !== 'snapshot' || e.transition);
  chart = { actor: m.actor, root: m.root, entries, position: undefined, live: m.active };
  $('chart-title').textContent = `— ${m.actor}${m.state ? ` in ${m.state}` : ''}`;
  $('events').replaceChildren(...entries.map(eventItem));
  highlight(m.active);
  scrubber();
}

function eventItem(e) {
  const what =
    e.kind === 'snapshot'
      ? `${e.from ? `${e.from} → ` : 'in '}${e.state}${e.event ? ` on ${e.event.type}` : ''}`
      : e.kind === 'started'
        ? 'started'
        : `stopped (${e.status})${e.state ? ` in ${e.state}` : ''}`;
  return el('li', `${time(e.at)} ${what}`);
}

function highlight(ids) {
  const svg = $('chart').firstElementChild;
  if (!svg) return;
  const active = new Set(ids);
  for (const g of svg.querySelectorAll('g.state')) {
    const composite = g.classList.contains('composite');
    g.classList.toggle('active', !composite && active.has(g.dataset.id));
    g.classList.toggle('within', composite && active.has(g.dataset.id));
  }
  svg.dataset.active = ids.join(' ');
}

function scrubber() {
  const range = $('scrubber');
  range.max = String(chart.entries.length);
  range.disabled = chart.entries.length === 0;
  if (chart.position === undefined) range.value = range.max;
  $('scrub-label').textContent =
    chart.position === undefined ? 'live' : `${chart.position + 1} / ${chart.entries.length}`;
  [...$('events').children].forEach((li, i) => li.classList.toggle('current', i === chart.position));
}

$('scrubber').addEventListener('input', (e) => {
  if (!chart) return;
  const i = Number(e.target.value);
  chart.position = i >= chart.entries.length ? undefined : i;
  const entry = chart.position === undefined ? undefined : chart.entries[chart.position];
  highlight(entry ? activeIds(chart.root, valueOf(entry)) : chart.live);
  scrubber();
  $('events').children[chart.position]?.scrollIntoView({ block: 'nearest' });
});

function inspected(msg) {
  if ((msg.kind === 'snapshot' || msg.kind === 'stopped') && msg.state !== undefined) {
    stateOf.set(msg.actor, msg.state);
    const cell = $('tree').querySelector(`tr[data-actor="${CSS.escape(msg.actor)}"] .state`);
    if (cell) cell.textContent = msg.state;
  }
  // A reload's workflow: shown while it runs when this page asked for it, its outcome kept for
  // the plugin's row.
  const reload = /^rosey\/services\/plugin-manager\/reload_(.+)$/.exec(msg.actor);
  if (reload) {
    const plugin = reload[1];
    const asked = [...pendingActions.values()].some((a) => a.plugin === plugin && a.verb === 'reload');
    if (msg.kind === 'started' && asked) openChart(msg.actor);
    if (msg.kind === 'snapshot' && msg.state) lastReload.set(plugin, { at: msg.at, outcome: msg.state });
    // Its final state says how it ended (`done`, `rolledBack`, …); a crash adds its status.
    if (msg.kind === 'stopped')
      lastReload.set(plugin, {
        at: msg.at,
        outcome: msg.status === 'done' ? (msg.state ?? 'done') : `${msg.state ?? ''} (${msg.status})`,
      });
  }
  if (!chart || msg.actor !== chart.actor) return;
  if (msg.kind === 'snapshot' && !msg.transition) return;
  if (msg.kind === 'event') return;
  chart.entries.push(msg);
  $('events').append(eventItem(msg));
  // A machine's last step (into a final state) is told by its `stopped` message.
  if (msg.state !== undefined && (msg.kind === 'snapshot' || msg.kind === 'stopped')) {
    chart.live = activeIds(chart.root, valueOf(msg));
    $('chart-title').textContent =
      `— ${chart.actor} in ${msg.state}${msg.kind === 'stopped' ? ` (${msg.status})` : ''}`;
  }
  if (chart.position === undefined) {
    highlight(chart.live);
    $('events').lastChild.scrollIntoView({ block: 'nearest' });
  }
  scrubber();
}

connect();
