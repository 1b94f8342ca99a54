import type { TreeNode } from '../../supervisors/describe-tree.js';

/** One plugin as the supervision tree shows it. */
export interface PluginReading {
  name: string;
  /** Its host's status (running, restarting, …), or its supervisor's when that is not running (failed). */
  status: string;
  /** The generation serving: the newest running host. */
  generation?: number;
  pid?: number;
}

export interface ConnectorReading {
  name: string;
  /** What the connector says of itself (CyTube's `ready`, `halted`, …), else the actor's state. */
  state: string;
  /**
   * In the state it is meant to be in: CyTube in its channel, a cluster node's standby waiting for
   * the channel's lease (docs/guides/SCALING.md), any other connector running.
   */
  wanted: boolean;
  /** Serving: CyTube's bot in its channel through this node (a standby is wanted but not up). */
  up: boolean;
}

/** What the metrics actor and `/ready` read from one `describeTree`. */
export interface TreeReading {
  /** Every actor's restart count, by its path (`services/router`, `plugins/dice/dice@1`). */
  restarts: Array<{ path: string; restarts: number }>;
  plugins: PluginReading[];
  connectors: ConnectorReading[];
  /** The bus actor's state (`connected.up`, `connected.reconnecting`, …), absent without one. */
  bus?: string;
  /** The storage actor's status. */
  storage?: string;
}

const HOST_ID = /^(.+)@(\d+)$/;

/** A host's path with its generation left out: the label a plugin's restarts keep across reloads. */
export const actorLabel = (path: string) => path.replace(/@\d+$/, '');

function walk(node: TreeNode, path: string, visit: (node: TreeNode, path: string) => void): void {
  for (const child of node.children ?? []) {
    const childPath = path ? `${path}/${child.id}` : child.id;
    visit(child, childPath);
    walk(child, childPath, visit);
  }
}

function pluginOf(node: TreeNode): PluginReading {
  const hosts = (node.children ?? [])
    .map((child) => ({ child, match: HOST_ID.exec(child.id) }))
    .filter((h) => h.match?.[1] === node.id)
    .sort((a, b) => Number(b.match![2]) - Number(a.match![2]));
  const serving = hosts.find((h) => h.child.status === 'running') ?? hosts[0];
  const pid = serving?.child.info?.pid;
  return {
    name: node.id,
    status: node.status === 'running' && serving ? serving.child.status : node.status,
    ...(serving ? { generation: Number(serving.match![2]) } : {}),
    ...(typeof pid === 'number' && pid > 0 ? { pid } : {}),
  };
}

function connectorOf(node: TreeNode): ConnectorReading {
  const said = node.info?.state;
  if (typeof said === 'string')
    return {
      name: node.id,
      state: said,
      wanted: said === 'ready' || said === 'standby',
      up: said === 'ready',
    };
  const running = node.status === 'running';
  return { name: node.id, state: node.status, wanted: running, up: running };
}

const CONNECTORS = new Set(['console', 'cytube']);

/** The figures the tree holds: restarts of every actor, plugins, connectors, bus and storage. */
export function readTree(root: TreeNode): TreeReading {
  const reading: TreeReading = { restarts: [], plugins: [], connectors: [] };
  walk(root, '', (node, path) => {
    reading.restarts.push({ path, restarts: node.restarts });
    if (node.id === 'bus' && node.kind === 'worker') reading.bus = node.state ?? node.status;
    if (node.id === 'storage' && node.kind === 'worker') reading.storage = node.status;
    if (CONNECTORS.has(node.id) && node.kind === 'worker') reading.connectors.push(connectorOf(node));
    if (node.id === 'plugins' && node.kind === 'supervisor')
      for (const child of node.children ?? [])
        if (child.kind === 'supervisor') reading.plugins.push(pluginOf(child));
  });
  return reading;
}
