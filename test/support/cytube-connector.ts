import type { NatsConnection } from '../../contract/nats.js';
import type { AnyActorRef } from 'xstate';
import { cytubeMachine, type CytubeInput } from '../../actors/cytube/cytube.machine.js';
import type { BusLink } from '../../actors/bus/bus-link.js';
import type { ConnectorState } from '../../contract/messages/connector-state.js';
import { request } from '../../contract/request.js';
import { quietLogger, type Logger } from '../../contract/log.js';
import { subjects } from '../../contract/subjects.js';
import { findChild } from '../../supervisors/child-ref.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import type { RunningTree } from '../../supervisors/run-tree.js';
import { eventually } from './nats.js';
import type { Wiring } from '../../app/child-specs.js';

/** The connector as the tree runs it, pointed at a (fake) CyTube, with test-friendly timings. */
export function cytubeSpec(
  server: string,
  overrides: Partial<Omit<CytubeInput, 'link'>> = {},
  logger: Logger = quietLogger,
): (link: BusLink, wiring?: Pick<Wiring, 'tally'>) => ChildSpec {
  return (link, wiring) => ({
    id: 'cytube',
    logic: cytubeMachine,
    shutdown: 2000,
    input: {
      link,
      logger,
      // In a mini-Rosey, the tree's tally: the lines it sends are counted by its metrics actor.
      ...(wiring ? { tally: wiring.tally } : {}),
      server,
      channel: 'testchan',
      username: 'testbot',
      password: 'botpass123',
      maxMessageLength: 320,
      maxReplyParts: 4,
      reconnect: { minMs: 200, maxMs: 1000, randomFactor: 0.2 },
      ...overrides,
    } satisfies CytubeInput,
  });
}

export async function connectorState(nc: NatsConnection): Promise<ConnectorState> {
  const result = await request(nc, subjects.platformState('cytube'), {}, { timeoutMs: 2000 });
  if (!result.ok) throw new Error(`state: ${result.error.message}`);
  return result.data as ConnectorState;
}

/** Waits until the connector reports `phase` (and, optionally, more). */
export function connectorIn(
  nc: NatsConnection,
  phase: string,
  where: (s: ConnectorState) => boolean = () => true,
  timeoutMs = 8000,
): Promise<ConnectorState> {
  return eventually(
    async () => {
      const s = await connectorState(nc).catch(() => undefined);
      return s && s.state === phase && where(s) ? s : undefined;
    },
    `the connector to be ${phase}`,
    timeoutMs,
  );
}

/**
 * Everything that could still make the connector in `tree` act on its own: the state it is in, the
 * actors it runs (a socket, a discovery) and the timers it has scheduled (a backoff, a login wait,
 * a password check). A connector with no socket, no discovery and no timer cannot connect again
 * until someone sends it something (a rejoin, a restart): a test can say "it does not retry" from
 * this at once, instead of sleeping and seeing that nothing happened in that while.
 */
export function connectorActivity(tree: RunningTree) {
  const found = findChild(tree.actor, ['cytube']);
  const ref = found?.ref;
  if (!found || !ref) throw new Error('the connector is not running');
  const snapshot = ref.getSnapshot() as {
    status: string;
    value: unknown;
    children: Record<string, AnyActorRef | undefined>;
  };
  const mine = (actor: AnyActorRef) => actor.sessionId === ref.sessionId;
  return {
    status: snapshot.status,
    state: snapshot.value,
    restarts: found.record.restarts,
    children: Object.keys(snapshot.children).filter((id) => snapshot.children[id]),
    timers: Object.values(ref.system.getSnapshot()._scheduledEvents)
      .filter((e) => mine(e.source) || mine(e.target))
      .map((e) => `${e.event.type} after ${e.delay} ms`),
  };
}
