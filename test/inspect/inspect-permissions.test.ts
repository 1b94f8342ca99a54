/**
 * Inspection is for Rosey's own users: a plugin's NATS user, with every capability granted, can
 * neither read what actors do (`rosey.inspect.tree.>`) nor ask for it (`rosey.inspect.watch`,
 * `history`, `machine`, `actors`), on the real nats-server with the permissions Rosey generates.
 */
import { expect } from 'chai';
import { connect, type NatsConnection } from '../../contract/nats.js';
import { startNatsServer } from '../../actors/nats-server/nats-server-process.js';
import {
  newPassword,
  pluginInboxPrefix,
  pluginPermissions,
  ROSEY_USER,
  type NatsUser,
} from '../../actors/nats-server/credentials.js';
import { PluginUsers } from '../../actors/nats-server/plugin-users.js';
import { CAPABILITY_NAMES } from '../../contract/capabilities.js';
import { subjects } from '../../contract/subjects.js';
import { eventually, tempDir } from '../support/nats.js';

const INSPECT_SUBJECTS = [
  subjects.anyInspect,
  subjects.inspect('rosey/services/router'),
  'rosey.inspect.>',
  ...(['watch', 'actors', 'history', 'machine'] as const).map((verb) => subjects.inspectRequest(verb)),
];

describe('inspect: plugins cannot watch', () => {
  it('no pattern a plugin is given reaches an inspect subject', () => {
    const { publish, subscribe } = pluginPermissions('alpha', CAPABILITY_NAMES);
    for (const pattern of [...publish.allow, ...subscribe.allow])
      expect(pattern).not.to.match(/^(rosey\.)?[>*]|^rosey\.inspect/);
  });

  it('the nats-server refuses a plugin’s subscriptions and requests on them', async function () {
    this.timeout(30_000);
    const rosey: NatsUser = { user: ROSEY_USER, password: newPassword() };
    const users = new PluginUsers(rosey);
    users.grant('alpha', CAPABILITY_NAMES);
    const server = await startNatsServer({ dir: tempDir(), users: users.all() });
    const connections: NatsConnection[] = [];
    const as = async (user: NatsUser, plugin?: string) => {
      const nc = await connect({
        servers: server.url,
        user: user.user,
        pass: user.password,
        ...(plugin ? { inboxPrefix: pluginInboxPrefix(plugin) } : {}),
        noAsyncTraces: true,
      });
      connections.push(nc);
      return nc;
    };
    try {
      // Rosey's side: what the inspect actor serves and publishes, and a watch on who asks.
      const roseyNc = await as(rosey);
      const asked: string[] = [];
      roseyNc.subscribe('rosey.inspect.>', {
        callback: (_e, msg) => {
          asked.push(msg.subject);
          if (msg.reply) msg.respond('{"ok":true,"data":{"leaseMs":15000,"watchers":1}}');
        },
      });
      await roseyNc.flush();
      const alpha = await as(users.get('alpha') ?? expect.fail('no alpha'), 'alpha');
      const denied: string[] = [];
      const got: string[] = [];
      for (const subject of INSPECT_SUBJECTS)
        alpha.subscribe(subject, {
          callback: (error, msg) => {
            if (error) denied.push(subject);
            else got.push(msg.subject);
          },
        });
      await eventually(() => denied.length === INSPECT_SUBJECTS.length, 'every subscription refused');
      // Requests: refused at publish, so nothing reaches Rosey and no answer comes back.
      for (const verb of ['watch', 'actors', 'history', 'machine'] as const) {
        const answered = await alpha
          .request(subjects.inspectRequest(verb), '{"watcher":"alpha"}', { timeout: 500 })
          .then(() => true)
          .catch(() => false);
        expect(answered, verb).to.equal(false);
      }
      // Rosey publishes while someone watches: the plugin's connection gets none of it.
      roseyNc.publish(subjects.inspect('rosey/services/router'), '{}');
      const own = 'rosey.plugins.alpha.1.ready';
      const mark: string[] = [];
      roseyNc.subscribe(own, { callback: () => void mark.push(own) });
      await roseyNc.flush();
      alpha.publish(own, '{}');
      await eventually(() => mark.length === 1, 'alpha’s own subject to arrive');
      expect(asked.filter((s) => s !== subjects.inspect('rosey/services/router'))).to.deep.equal([]);
      expect(got).to.deep.equal([]);
    } finally {
      for (const nc of connections) await nc.close();
      await server.stop(2000);
    }
  });
});
