import type { NatsConnection } from '@nats-io/transport-node';
import { cytubeMachine, type CytubeInput } from '../../actors/cytube/cytube.machine.js';
import type { BusLink } from '../../actors/bus/bus-link.js';
import type { ConnectorState } from '../../contract/messages/connector-state.js';
import { request } from '../../contract/request.js';
import { quietLogger, type Logger } from '../../contract/log.js';
import { subjects } from '../../contract/subjects.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import { eventually } from './nats.js';

/** The connector as the tree runs it, pointed at a (fake) CyTube, with test-friendly timings. */
export function cytubeSpec(
  server: string,
  overrides: Partial<Omit<CytubeInput, 'link'>> = {},
  logger: Logger = quietLogger,
): (link: BusLink) => ChildSpec {
  return (link) => ({
    id: 'cytube',
    logic: cytubeMachine,
    shutdown: 2000,
    input: {
      link,
      logger,
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
