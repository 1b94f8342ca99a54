import elkBundled from 'elkjs/lib/elk.bundled.js';
import type {
  ELK as Elk,
  ELKConstructorArguments,
  ElkExtendedEdge,
  ElkLabel,
  ElkNode,
} from 'elkjs/lib/elk-api.js';
import type { ChartNode, ChartTransition, MachineReply } from '../contract/messages/inspect.js';

/**
 * An actor's chart (`rosey.inspect.machine`) drawn for people: Mermaid `stateDiagram-v2` source
 * (for docs, rendered by GitHub and most Markdown viewers) or an SVG laid out by elkjs. Both draw
 * nested and parallel states, transitions labelled with their event and guard, and the states the
 * actor is in now. Transitions that only run actions (no target) are left out: they change no state.
 */

/** An event as a chart labels it: XState's internal names made short. */
export function eventLabel(event: string): string {
  if (event === '') return 'always';
  const after = /^xstate\.after\.([^.]+)\./.exec(event);
  if (after) return /^\d+$/.test(after[1]!) ? `after ${after[1]} ms` : `after ${after[1]}`;
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event);
  if (actor) return `${actor[1]}: ${actor[2]}`;
  if (event.startsWith('xstate.done.state.')) return 'done';
  return event;
}

export function transitionLabel(t: ChartTransition): string {
  return t.guard ? `${eventLabel(t.event)} [${t.guard}]` : eventLabel(t.event);
}

interface Edge {
  id: string;
  source: string;
  target: string;
  label: string;
}

function* nodesOf(node: ChartNode): Generator<ChartNode> {
  yield node;
  for (const child of node.states) yield* nodesOf(child);
}

function edgesOf(root: ChartNode): Edge[] {
  const edges: Edge[] = [];
  for (const node of nodesOf(root))
    for (const t of node.transitions)
      for (const target of t.targets)
        edges.push({ id: `e${edges.length}`, source: node.id, target, label: transitionLabel(t) });
  return edges;
}

// ---------------------------------------------------------------------------------------- Mermaid

/** Mermaid ids: letters, digits and `_` only; a prefix keeps them off Mermaid's keywords. */
const mermaidId = (id: string) => `s_${id.replace(/[^A-Za-z0-9]/g, '_')}`;
/** Label text Mermaid reads as text: no `:`, `;`, quotes or braces (they end or open syntax). */
const mermaidText = (text: string) =>
  text
    .replace(/[:;"{}#]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

export function mermaidChart(reply: MachineReply): string {
  const { root } = reply;
  const active = new Set(reply.active);
  const lines = [
    'stateDiagram-v2',
    `  %% ${mermaidText(reply.actor)}${reply.state ? ` in ${reply.state}` : ''}`,
  ];
  const write = (node: ChartNode, depth: number) => {
    const pad = '  '.repeat(depth);
    const id = mermaidId(node.id);
    lines.push(`${pad}state "${mermaidText(node.key)}" as ${id}`);
    if (node.states.length === 0) return;
    lines.push(`${pad}state ${id} {`);
    const initial = node.states.find((s) => s.key === node.initial);
    if (initial) lines.push(`${pad}  [*] --> ${mermaidId(initial.id)}`);
    node.states.forEach((child, i) => {
      if (node.type === 'parallel' && i > 0) lines.push(`${pad}  --`);
      write(child, depth + 1);
      if (child.type === 'final') lines.push(`${pad}  ${mermaidId(child.id)} --> [*]`);
    });
    lines.push(`${pad}}`);
  };
  write(root, 1);
  for (const edge of edgesOf(root))
    lines.push(`  ${mermaidId(edge.source)} --> ${mermaidId(edge.target)} : ${mermaidText(edge.label)}`);
  lines.push('  classDef active fill:#ffe08a,stroke:#b8860b,stroke-width:2px');
  for (const node of nodesOf(root))
    if (active.has(node.id) && node.states.length === 0) lines.push(`  class ${mermaidId(node.id)} active`);
  return lines.join('\n') + '\n';
}

// -------------------------------------------------------------------------------------------- SVG

// The bundle is CommonJS: at run time its default import is the ELK class its typings call default.
const ELK = elkBundled as unknown as new (args?: ELKConstructorArguments) => Elk;

const CHAR_WIDTH = 7;
const LINE_HEIGHT = 16;
const textWidth = (text: string) => Math.ceil(text.length * CHAR_WIDTH) + 4;

function elkNode(node: ChartNode): ElkNode {
  const label: ElkLabel = { text: node.key, width: textWidth(node.key), height: LINE_HEIGHT };
  if (node.states.length === 0)
    return { id: node.id, width: Math.max(60, label.width! + 24), height: 32, labels: [label] };
  return {
    id: node.id,
    labels: [label],
    layoutOptions: {
      'elk.padding': '[top=28,left=12,bottom=12,right=12]',
      'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT',
      // A parallel state's regions side by side, as they run: no edges between them.
      ...(node.type === 'parallel' ? { 'elk.direction': 'RIGHT' } : {}),
    },
    children: node.states.map(elkNode),
  };
}

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `
.state rect { fill: #f7f7f9; stroke: #5b6270; stroke-width: 1.2; }
.state.composite > rect { fill: #ffffff; }
.state.within > rect { stroke: #b8860b; stroke-width: 1.8; }
.state.region > rect { stroke-dasharray: 5 3; }
.state.final > rect { stroke-width: 3; }
.state.active > rect { fill: #ffe08a; stroke: #b8860b; stroke-width: 2.5; }
.state text { font: 12px sans-serif; fill: #1d2330; }
.transition { fill: none; stroke: #6d7585; stroke-width: 1.2; marker-end: url(#arrow); }
.label { font: 11px sans-serif; fill: #39414f; }
`;

/** The chart as an SVG document, laid out by elkjs; the states the actor is in have class `active`. */
export async function svgChart(reply: MachineReply): Promise<string> {
  const { root } = reply;
  const active = new Set(reply.active);
  const byId = new Map([...nodesOf(root)].map((n) => [n.id, n]));
  const parallelChildren = new Set(
    [...nodesOf(root)].filter((n) => n.type === 'parallel').flatMap((n) => n.states.map((s) => s.id)),
  );
  const edges: ElkExtendedEdge[] = edgesOf(root).map((e) => ({
    id: e.id,
    sources: [e.source],
    targets: [e.target],
    labels: [{ text: e.label, width: textWidth(e.label), height: LINE_HEIGHT }],
  }));
  // The machine's root is a node inside the graph, not the graph itself: elkjs takes no edge from
  // the graph (a transition on the root, `on: {'rosey.shutdown': '.stopped'}`, would be one).
  const graph: ElkNode = {
    id: '(chart)',
    children: [elkNode(root)],
    layoutOptions: {
      'elk.padding': '[top=0,left=0,bottom=0,right=0]',
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40',
      'elk.spacing.nodeNode': '30',
      'elk.spacing.edgeLabel': '4',
      // Every coordinate relative to the root, so the SVG needs no nested transforms.
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
    },
    edges,
  };
  const laid = await new ELK().layout(graph);
  const width = Math.ceil(laid.width ?? 0) + 2;
  const height = Math.ceil(laid.height ?? 0) + 2;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="-1 -1 ${width} ${height}">`,
    `<title>${xml(reply.actor)}${reply.state ? `: ${xml(reply.state)}` : ''}</title>`,
    `<style>${STYLE}</style>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#6d7585"/></marker></defs>',
  ];
  const drawNode = (n: ElkNode) => {
    const node = byId.get(n.id);
    if (!node) return;
    const classes = ['state', node.type];
    if (node.states.length > 0) classes.push('composite');
    if (parallelChildren.has(node.id)) classes.push('region');
    // The state it is in is filled; the states around it (the root always) only outlined.
    if (active.has(node.id)) classes.push(node.states.length > 0 ? 'within' : 'active');
    const [x, y, w, h] = [n.x ?? 0, n.y ?? 0, n.width ?? 0, n.height ?? 0];
    const compound = node.states.length > 0;
    out.push(`<g class="${classes.join(' ')}" data-id="${xml(node.id)}">`);
    out.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${compound ? 10 : 14}"/>`);
    const tx = compound ? x + 10 : x + w / 2;
    const ty = compound ? y + 18 : y + h / 2 + 4;
    out.push(`<text x="${tx}" y="${ty}"${compound ? '' : ' text-anchor="middle"'}>${xml(node.key)}</text>`);
    out.push('</g>');
    for (const child of n.children ?? []) drawNode(child);
  };
  for (const child of laid.children ?? []) drawNode(child);
  for (const edge of laid.edges ?? []) {
    for (const section of edge.sections ?? []) {
      const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
      out.push(
        `<path class="transition" data-id="${xml(edge.id)}" d="${points.map((p, i) => `${i ? 'L' : 'M'} ${p.x} ${p.y}`).join(' ')}"/>`,
      );
    }
    for (const label of edge.labels ?? [])
      out.push(
        `<text class="label" x="${label.x ?? 0}" y="${(label.y ?? 0) + 12}">${xml(label.text ?? '')}</text>`,
      );
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
