import { expect } from 'chai';
import { and, not, setup } from 'xstate';
import { activeNodeIds, machineChart } from '../../actors/inspect/machine-chart.js';
import { routerMachine } from '../../actors/router/router.machine.js';
import { eventLabel, mermaidChart, svgChart } from '../../app/inspect-chart.js';
import { machineReplySchema, type MachineReply } from '../../contract/messages/inspect.js';

/** Nested and parallel states, a guard, a delay, an invoked actor's result, an eventless transition. */
const player = setup({
  guards: { hasTrack: () => true },
  actors: { loader: setup({}).createMachine({ type: 'final' }) },
}).createMachine({
  id: 'player',
  initial: 'idle',
  states: {
    idle: {
      on: {
        play: { target: 'active', guard: 'hasTrack' },
        shuffle: { target: 'active', guard: and(['hasTrack', not('hasTrack')]) },
      },
    },
    active: {
      type: 'parallel',
      on: { stop: 'idle' },
      states: {
        sound: {
          initial: 'loading',
          states: {
            loading: { invoke: { src: 'loader', onDone: 'playing' } },
            playing: { on: { pause: 'paused' }, after: { 5000: 'paused' } },
            paused: { always: { target: 'playing', guard: ({ event }) => event.type === 'resume' } },
          },
        },
        volume: { initial: 'normal', states: { normal: { on: { mute: 'muted' } }, muted: {} } },
      },
    },
    gone: { type: 'final' },
  },
});

function reply(
  machine: Parameters<typeof machineChart>[0],
  value: unknown,
  actor = 'rosey/player',
): MachineReply {
  const root = machineChart(machine);
  // What goes over the bus: checked against the contract's schema, as the CLI checks it.
  return machineReplySchema.parse(
    JSON.parse(JSON.stringify({ actor, root, active: activeNodeIds(root, value) })),
  );
}

/**
 * A structure check of Mermaid `stateDiagram-v2` source: the header, composite blocks closed, every
 * transition and class between declared states, `--` only inside a composite, no `:` in a label.
 */
function checkMermaid(text: string): { states: Set<string>; edges: string[]; active: string[] } {
  const lines = text
    .trimEnd()
    .split('\n')
    .map((l) => l.trim());
  expect(lines[0]).to.equal('stateDiagram-v2');
  // Mermaid lets a transition name a state declared further down: declarations first.
  const states = new Set(lines.flatMap((l) => /^state "[^"]+" as (s_\w+)$/.exec(l)?.[1] ?? []));
  const declared = (id: string) => expect(states.has(id), `${id} declared`).to.equal(true);
  const edges: string[] = [];
  const active: string[] = [];
  let depth = 0;
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null;
    if (line.startsWith('%%') || /^state "[^"]+" as s_\w+$/.test(line) || /^classDef active /.test(line))
      continue;
    if ((m = /^state (s_\w+) \{$/.exec(line))) {
      declared(m[1]!);
      depth += 1;
    } else if (line === '}') depth -= 1;
    else if (line === '--') expect(depth, 'a region separator inside a composite').to.be.greaterThan(0);
    else if ((m = /^(\[\*\]|s_\w+) --> (\[\*\]|s_\w+)(?: : ([^:;{}"]+))?$/.exec(line))) {
      for (const end of [m[1]!, m[2]!]) if (end !== '[*]') declared(end);
      edges.push(`${m[1]} -> ${m[2]}${m[3] ? ` : ${m[3]}` : ''}`);
    } else if ((m = /^class (s_\w+) active$/.exec(line))) {
      declared(m[1]!);
      active.push(m[1]!);
    } else expect.fail(`not Mermaid this check knows: ${JSON.stringify(line)}`);
    expect(depth).to.be.at.least(0);
  }
  expect(depth, 'every block closed').to.equal(0);
  return { states, edges, active };
}

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** A strict parse of the XML the SVG writer produces: tags matched, attributes quoted, entities known. */
function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let at = 0;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    at = token.lastIndex;
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      const content = m[5];
      expect(content.replace(/&(?:amp|lt|gt|quot|apos);/g, ''), 'no bare &').not.to.include('&');
      top.text += content;
      continue;
    }
    const [, closing, name, attrText, selfClosing] = m;
    if (closing) {
      expect(top.name, `</${name}> closes <${top.name}>`).to.equal(name);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      expect(attrs[a[1]!], `attribute ${a[1]} once`).to.equal(undefined);
      attrs[a[1]!] = a[2]!;
    }
    const element: XmlElement = { name: name!, attrs, children: [], text: '' };
    top.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  expect(at, 'the whole document parsed').to.equal(text.length);
  expect(stack, 'every element closed').to.have.length(1);
  expect(root.children.map((c) => c.name)).to.deep.equal(['svg']);
  return root.children[0]!;
}

const all = (e: XmlElement): XmlElement[] => [e, ...e.children.flatMap(all)];

describe('inspect: a machine as a chart', () => {
  it('keeps nesting, parallel regions, events, guards and targets', () => {
    const chart = machineChart(player);
    expect(chart).to.include({ id: 'player', type: 'compound', initial: 'idle' });
    const active = chart.states.find((s) => s.key === 'active')!;
    expect(active.type).to.equal('parallel');
    expect(active.states.map((s) => s.id)).to.deep.equal(['player.active.sound', 'player.active.volume']);
    expect(chart.states.find((s) => s.key === 'idle')!.transitions).to.deep.equal([
      { event: 'play', targets: ['player.active'], guard: 'hasTrack' },
      { event: 'shuffle', targets: ['player.active'], guard: '(hasTrack && !hasTrack)' },
    ]);
    expect(eventLabel('xstate.after.readyTimeout.plugin-host.alive.starting')).to.equal('after readyTimeout');
    const sound = active.states[0]!;
    const events = sound.states.flatMap((s) =>
      s.transitions.map((t) => [s.key, eventLabel(t.event), t.guard]),
    );
    expect(events).to.deep.equal([
      ['loading', 'done: 0.player.active.sound.loading', undefined],
      ['playing', 'pause', undefined],
      ['playing', 'after 5000 ms', undefined],
      ['paused', 'always', 'inline guard'],
    ]);
    expect(chart.states.find((s) => s.key === 'gone')!.type).to.equal('final');
    expect(activeNodeIds(chart, { active: { sound: 'playing', volume: 'muted' } })).to.deep.equal([
      'player',
      'player.active',
      'player.active.sound',
      'player.active.sound.playing',
      'player.active.volume',
      'player.active.volume.muted',
    ]);
  });

  it('the router’s chart as Mermaid: valid structure, its transitions, the current state marked', () => {
    const value = machineChart(routerMachine).initial;
    expect(value).to.equal('routing');
    const { edges, active, states } = checkMermaid(
      mermaidChart(reply(routerMachine, value, 'rosey/services/router')),
    );
    expect(active).to.deep.equal(['s_router_routing']);
    expect([...states]).to.include.members([
      's_router',
      's_router_routing',
      's_router_draining',
      's_router_stopped',
    ]);
    expect(edges).to.include('s_router_routing -> s_router_draining : rosey.shutdown');
    expect(edges).to.include('s_router_draining -> s_router_delivering : always [idle]');
    expect(edges).to.include('[*] -> s_router_routing');
  });

  it('parallel regions in Mermaid, every active leaf marked', () => {
    const text = mermaidChart(reply(player, { active: { sound: 'paused', volume: 'normal' } }));
    const { active, edges } = checkMermaid(text);
    expect(text).to.match(/state s_player_active \{\n(?:.*\n)*? +--\n/);
    expect(active).to.deep.equal(['s_player_active_sound_paused', 's_player_active_volume_normal']);
    expect(edges).to.include('s_player_idle -> s_player_active : play [hasTrack]');
  });

  it('the SVG: well-formed, laid out, each state once, the one it is in highlighted', async () => {
    const svg = parseXml(await svgChart(reply(player, { active: { sound: 'playing', volume: 'muted' } })));
    expect(svg.attrs.xmlns).to.equal('http://www.w3.org/2000/svg');
    const groups = all(svg).filter((e) => e.name === 'g' && e.attrs.class?.startsWith('state'));
    const ids = groups.map((g) => g.attrs['data-id']);
    expect(ids).to.have.members([...new Set(ids)]);
    expect(ids).to.include.members(['player', 'player.active.sound.paused', 'player.gone']);
    const classOf = (id: string) => groups.find((g) => g.attrs['data-id'] === id)!.attrs.class!.split(' ');
    const highlighted = groups
      .filter((g) => g.attrs.class!.split(' ').includes('active'))
      .map((g) => g.attrs['data-id']);
    expect(highlighted).to.have.members(['player.active.sound.playing', 'player.active.volume.muted']);
    expect(classOf('player.active')).to.include.members(['parallel', 'within']);
    expect(classOf('player.active.sound')).to.include('region');
    // Every state drawn inside its parent's box.
    const box = (id: string) => {
      const rect = groups.find((g) => g.attrs['data-id'] === id)!.children.find((c) => c.name === 'rect')!;
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((k) => Number(rect.attrs[k]));
      return { x: x!, y: y!, w: w!, h: h! };
    };
    const inside = (inner: string, outer: string) => {
      const a = box(inner);
      const b = box(outer);
      return a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
    };
    expect(inside('player.active.sound.playing', 'player.active.sound')).to.equal(true);
    expect(inside('player.active.sound', 'player.active')).to.equal(true);
    expect(inside('player.active', 'player')).to.equal(true);
    const labels = all(svg)
      .filter((e) => e.name === 'text' && e.attrs.class === 'label')
      .map((e) => e.text);
    expect(labels).to.include.members(['play [hasTrack]', 'after 5000 ms', 'always [inline guard]', 'stop']);
    expect(all(svg).filter((e) => e.name === 'path' && e.attrs.class === 'transition').length).to.be.at.least(
      labels.length,
    );
  });

  // Storage, the migrator, the plugin manager, the action gate and control all have a transition
  // on their machine's root (`on: {'rosey.shutdown': '.stopped'}`): elkjs refused an edge from the
  // graph's own root node, so `rosey inspect storage --chart x.svg` (and the dashboard's chart of
  // them) failed with UnsupportedGraphException.
  it('the SVG of a machine with a transition on its root', async () => {
    const service = setup({}).createMachine({
      id: 'service',
      initial: 'serving',
      on: { 'rosey.shutdown': '.stopped' },
      states: { serving: { on: { fail: 'failed' } }, failed: { type: 'final' }, stopped: { type: 'final' } },
    });
    const svg = parseXml(await svgChart(reply(service, 'serving')));
    const groups = all(svg).filter((e) => e.name === 'g' && e.attrs.class?.startsWith('state'));
    expect(groups.map((g) => g.attrs['data-id'])).to.have.members([
      'service',
      'service.serving',
      'service.failed',
      'service.stopped',
    ]);
    const labels = all(svg)
      .filter((e) => e.name === 'text' && e.attrs.class === 'label')
      .map((e) => e.text);
    expect(labels).to.include.members(['rosey.shutdown', 'fail']);
  });
});
