import { busMachine } from '../../actors/bus/bus.machine.js';
import { BusLink } from '../../actors/bus/bus-link.js';
import { routerMachine, type RouterInput } from '../../actors/router/router.machine.js';
import { quietLogger } from '../../contract/log.js';
import { runTree, type RunningTree } from '../../supervisors/run-tree.js';

/** A bus and a router under one rest_for_one supervisor, on the nats-server at `url` (router tests). */
export function routerTree(url: string, input: Partial<RouterInput> = {}): Promise<RunningTree> {
  const link = new BusLink();
  return runTree({
    name: 'test',
    strategy: 'rest_for_one',
    logger: quietLogger,
    children: [
      { id: 'bus', logic: busMachine, input: { endpoint: { url }, link, logger: quietLogger } },
      {
        id: 'router',
        logic: routerMachine,
        input: {
          link,
          logger: quietLogger,
          botName: 'Rosey',
          prefix: '!',
          commandTimeoutMs: 300,
          defaultCooldownMs: 0,
          ...input,
        },
      },
    ],
  });
}
