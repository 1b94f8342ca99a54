import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { BusLink } from '../../actors/bus/bus-link.js';
import { routerMachine } from '../../actors/router/router.machine.js';
import { quietLogger } from '../../contract/log.js';
import { ok, type Result } from '../../contract/result.js';
import { findChild } from '../../supervisors/child-ref.js';
import { runTree, type RunningTree } from '../../supervisors/run-tree.js';
import { fakePlatform } from '../support/fake-platform.js';
import { fakePlugin } from '../support/fake-plugin.js';
import { client, eventually, useNatsServer } from '../support/nats.js';

// Issue 15, defect 6: the router's reply was a plain publish. Made while the bus had no connection
// (it was being replaced after a nats-server restart) it was dropped, and the user never heard back.
describe('router: a reply made while the bus is away', () => {
  const nats = useNatsServer();
  let tree: RunningTree | undefined;
  const connections: NatsConnection[] = [];

  afterEach(async () => {
    await tree?.shutdown();
    tree = undefined;
    for (const nc of connections.splice(0)) await nc.close();
  });

  it('is delivered once the bus is back', async () => {
    const [routerNc, nc] = [await client(nats.url), await client(nats.url)];
    connections.push(routerNc, nc);
    const link = new BusLink();
    link.set(routerNc);
    tree = await runTree({
      name: 'test',
      strategy: 'one_for_one',
      logger: quietLogger,
      children: [
        {
          id: 'router',
          logic: routerMachine,
          input: {
            link,
            logger: quietLogger,
            botName: 'Rosey',
            prefix: '!',
            commandTimeoutMs: 10_000,
            defaultCooldownMs: 0,
          },
        },
      ],
    });
    const platform = await fakePlatform(nc);
    let answer!: (result: Result<unknown>) => void;
    const answered = new Promise<Result<unknown>>((resolve) => (answer = resolve));
    const plugin = await fakePlugin(nc, 'echo', [{ name: 'echo' }], (req) =>
      req.argText === 'hello' ? answered : ok({ text: 'warm' }),
    );
    await eventually(async () => {
      platform.say('!echo warm-up');
      await new Promise((resolve) => setTimeout(resolve, 50));
      return plugin.requests.length > 0;
    }, 'the router to know echo');
    const asked = plugin.requests.length;
    platform.say('!echo hello');
    await eventually(() => plugin.requests.length > asked, 'the command to reach the plugin');

    // The bus goes away (as while it is replaced); the plugin answers meanwhile.
    link.clear(routerNc);
    answer(ok({ text: 'echo: hello' }));
    const inFlight = () =>
      (findChild(tree!.actor, ['router'])?.ref?.getSnapshot() as { context: { inFlight: number } }).context
        .inFlight;
    await eventually(() => inFlight() === 0, 'the router to have made its reply');
    link.set(routerNc);

    const reply = await platform.reply((r) => r.text === 'echo: hello');
    expect(reply).to.deep.include({ kind: 'chat', channel: 'main' });
  });
});
