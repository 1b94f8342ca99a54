/**
 * Plugin permissions, manifest capability → NATS permissions, as exact as the server applies them:
 * each capability grants exactly its subjects, an unknown one grants nothing, and no grant of one
 * plugin reaches another plugin's subjects (a model of NATS subject matching, then the real server).
 */
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '../../contract/nats.js';
import fc from 'fast-check';
import { startNatsServer } from '../../actors/nats-server/nats-server-process.js';
import {
  authorizationBlock,
  newPassword,
  pluginInboxPrefix,
  pluginPermissions,
  pluginUser,
  ROSEY_USER,
  type NatsUser,
} from '../../actors/nats-server/credentials.js';
import { PluginUsers } from '../../actors/nats-server/plugin-users.js';
import {
  ACTIONS,
  CAPABILITIES,
  CAPABILITY_NAMES,
  capabilityOfAction,
  capabilitySubjects,
  isCapability,
  parseActionSubject,
  pluginGrants,
  resolveGrants,
  type CapabilityName,
} from '../../contract/capabilities.js';
import { PLUGIN_NAME } from '../../contract/subjects.js';
import { eventually, tempDir } from '../support/nats.js';

/** Exactly what each capability lets plugin `quotes` publish on, beyond its lifecycle subjects. */
const GRANTS: Record<CapabilityName, string[]> = {
  'chat.send': ['rosey.actions.quotes.chat.send'],
  'chat.pm': ['rosey.actions.quotes.chat.pm'],
  'playlist.add': ['rosey.actions.quotes.playlist.add'],
  'playlist.delete': ['rosey.actions.quotes.playlist.delete'],
  'playlist.move': ['rosey.actions.quotes.playlist.move', 'rosey.actions.quotes.playlist.jump'],
  'users.kick': ['rosey.actions.quotes.users.kick'],
  'users.afk': ['rosey.actions.quotes.users.afk'],
  'channel.read': ['rosey.actions.quotes.channel.read'],
  storage: [
    'rosey.db.kv.quotes.*',
    'rosey.db.row.quotes.*',
    'rosey.db.migrate.quotes.*',
    'rosey.db.audit.quotes.record',
  ],
  'events.chat': [],
  'events.users': [],
  'events.media': [],
  'net.http': [],
};

/** Exactly what each capability lets plugin `quotes` subscribe to, beyond SUBSCRIBE: its own queue group only. */
const HEARS: Partial<Record<CapabilityName, string[]>> = {
  'events.chat': ['rosey.events.message plugin.quotes', 'rosey.events.pm plugin.quotes'],
  'events.users': [
    'rosey.events.user.list plugin.quotes',
    'rosey.events.user.join plugin.quotes',
    'rosey.events.user.leave plugin.quotes',
    'rosey.events.user.rank plugin.quotes',
    'rosey.events.user.afk plugin.quotes',
  ],
  'events.media': [
    'rosey.events.media.change plugin.quotes',
    'rosey.events.playlist.add plugin.quotes',
    'rosey.events.playlist.delete plugin.quotes',
    'rosey.events.playlist.move plugin.quotes',
    'rosey.events.playlist.reset plugin.quotes',
  ],
};

const SUBSCRIBE = [
  'rosey.commands.quotes.*.execute',
  'rosey.plugins.quotes.>',
  'rosey.plugins.discover',
  '_INBOX_quotes.>',
];

/** NATS subject matching: `*` is one token, `>` one or more at the end. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i += 1) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/**
 * Concrete subjects in `plugin`'s own namespace: one for every pattern it could be granted (from
 * the table above, not from the code under test), and more.
 */
function subjectsOf(plugin: string, token: string): string[] {
  return [
    ...Object.values(GRANTS)
      .flat()
      .map((s) => s.replace('.quotes.', `.${plugin}.`).replace(/[*>]/g, token)),
    `rosey.plugins.${plugin}.${token}`,
    `rosey.commands.${plugin}.${token}.execute`,
    `${pluginInboxPrefix(plugin)}.${token}`,
    `rosey.actions.${plugin}.${token}`,
  ];
}

describe('plugin permissions', () => {
  it('the model of NATS matching agrees with NATS on the cases that matter', () => {
    assert.ok(matches('a.*', 'a.b'));
    assert.ok(!matches('a.*', 'a.b.c'));
    assert.ok(matches('a.>', 'a.b.c'));
    assert.ok(!matches('a.>', 'a'));
    assert.ok(!matches('a.b', 'a.b.c'));
    assert.ok(!matches('_INBOX_a.>', '_INBOX_ab.x'));
  });

  describe('grants each capability exactly its subjects, nothing more', () => {
    it('every capability has its row here', () => {
      assert.deepEqual(Object.keys(GRANTS).sort(), [...CAPABILITY_NAMES].sort());
    });
    for (const capability of CAPABILITY_NAMES) {
      it(capability, () => {
        const permissions = pluginPermissions('quotes', [capability]);
        assert.deepEqual(permissions.publish.allow, ['rosey.plugins.quotes.>', ...GRANTS[capability]]);
        assert.deepEqual(permissions.subscribe.allow, [...SUBSCRIBE, ...(HEARS[capability] ?? [])]);
        assert.equal(permissions.allow_responses, true);
        assert.deepEqual(capabilitySubjects('quotes', [capability]), GRANTS[capability]);
      });
    }
    it('none: the lifecycle subjects only', () => {
      assert.deepEqual(pluginPermissions('quotes', []), {
        publish: { allow: ['rosey.plugins.quotes.>'] },
        subscribe: { allow: SUBSCRIBE },
        allow_responses: true,
      });
    });
    it('several: the union, in the order granted', () => {
      assert.deepEqual(capabilitySubjects('quotes', ['users.kick', 'chat.send']), [
        'rosey.actions.quotes.users.kick',
        'rosey.actions.quotes.chat.send',
      ]);
    });
  });

  it('says which capabilities Rosey can enforce, and describes each', () => {
    for (const name of CAPABILITY_NAMES) {
      assert.equal(CAPABILITIES[name].enforced, name !== 'net.http', name);
      assert.ok(CAPABILITIES[name].description.length > 10, name);
    }
  });

  describe('refuses what is not a capability', () => {
    it('by name, own properties only', () => {
      for (const name of CAPABILITY_NAMES) assert.equal(isCapability(name), true, name);
      for (const name of [
        'kick',
        'storage.*',
        '',
        'toString',
        'constructor',
        '__proto__',
        'hasOwnProperty',
      ]) {
        assert.equal(isCapability(name), false, name);
      }
    });

    it('in a manifest request and in the operator’s grants and revocations alike', () => {
      assert.deepEqual(
        resolveGrants(['kick', 'storage', 'toString'], { grant: ['root', 'chat.pm'], revoke: ['x'] }),
        {
          requested: ['storage'],
          granted: ['chat.pm', 'storage'],
          revoked: [],
          extra: ['chat.pm'],
        },
      );
    });
  });

  it('resolves grants sorted and once each, a revoke of what was not requested doing nothing', () => {
    assert.deepEqual(resolveGrants(['storage', 'chat.send', 'storage']), {
      requested: ['chat.send', 'storage'],
      granted: ['chat.send', 'storage'],
      revoked: [],
      extra: [],
    });
    assert.deepEqual(
      resolveGrants(['chat.send'], { revoke: ['users.kick', 'chat.send'], grant: ['chat.pm', 'chat.pm'] }),
      {
        requested: ['chat.send'],
        granted: ['chat.pm'],
        revoked: ['chat.send'],
        extra: ['chat.pm'],
      },
    );
  });

  it('counts a capability revoked and granted back as neither revoked nor extra', () => {
    assert.deepEqual(resolveGrants(['storage'], { revoke: ['storage'], grant: ['storage'] }), {
      requested: ['storage'],
      granted: ['storage'],
      revoked: [],
      extra: [],
    });
  });

  it('takes the operator’s overrides of that plugin, and only of that plugin', () => {
    const plugin = { manifest: { name: 'quotes', permissions: ['chat.send', 'storage'] } };
    const config = {
      plugins: {
        settings: {
          quotes: { permissions: { revoke: ['storage'] } },
          other: { permissions: { grant: ['users.kick'] } },
        },
      },
    };
    assert.deepEqual(pluginGrants(plugin, config).granted, ['chat.send']);
    assert.deepEqual(pluginGrants(plugin, { plugins: { settings: {} } }).granted, ['chat.send', 'storage']);
    assert.deepEqual(pluginGrants(plugin, { plugins: { settings: { quotes: {} } } }).granted, [
      'chat.send',
      'storage',
    ]);
  });

  it('reads an action subject exactly: the capability of each action, nothing from near misses', () => {
    for (const action of ACTIONS) {
      assert.deepEqual(parseActionSubject(`rosey.actions.trivia.${action}`), { plugin: 'trivia', action });
      assert.equal(capabilityOfAction(action), action === 'playlist.jump' ? 'playlist.move' : action);
    }
    for (const subject of [
      'rosey.actions.trivia.users.ban',
      'rosey.actions.trivia.chat.send.extra',
      'rosey.actions..chat.send',
      'rosey.actions.chat.send',
      'xrosey.actions.trivia.chat.send',
      'rosey.actionsXtrivia.chat.send',
      'roseyXactions.trivia.chat.send',
      'rosey.actions.trivia',
      // The action runs to the end of the subject, not to the end of its first line.
      'rosey.actions.trivia.chat.send\nx',
    ]) {
      assert.equal(parseActionSubject(subject), undefined, subject);
    }
  });

  it('refuses to make permissions for a name that is not a plugin name', () => {
    for (const name of ['*', '>', 'a.b', 'quotes.>', 'Quotes', '', 'a b']) {
      assert.throws(() => pluginPermissions(name, ['storage']), /is not a plugin name/, name);
    }
  });

  it('a plugin cannot get another plugin’s subjects, whatever both are granted (property)', () => {
    // fast-check cannot generate from PLUGIN_NAME's lookahead: a simpler shape, then the real rule.
    const name = fc
      .stringMatching(/^[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,4}){0,3}$/)
      .filter((n) => PLUGIN_NAME.test(n));
    const grants = fc.subarray(CAPABILITY_NAMES);
    const token = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    fc.assert(
      fc.property(name, name, grants, token, (a, b, granted, t) => {
        fc.pre(a !== b);
        const { publish, subscribe } = pluginPermissions(a, granted);
        for (const subject of subjectsOf(b, t)) {
          for (const pattern of [...publish.allow, ...subscribe.allow]) {
            // The discovery broadcast is everyone's, on purpose.
            if (pattern === 'rosey.plugins.discover') continue;
            assert.ok(!matches(pattern, subject), `${a} may use ${pattern}, which reaches ${b}'s ${subject}`);
          }
        }
        // And each grant is in the plugin's own namespace, as a whole token.
        for (const pattern of publish.allow) {
          assert.ok(pattern.split('.').includes(a), `${pattern} is not ${a}'s`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the nats-server refuses every subject of another plugin, with everything granted', async function () {
    this.timeout(30_000);
    const rosey: NatsUser = { user: ROSEY_USER, password: newPassword() };
    const users = new PluginUsers(rosey);
    users.grant('alpha', CAPABILITY_NAMES);
    users.grant('beta', CAPABILITY_NAMES);
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
      const watcher = await as(rosey);
      const seen: string[] = [];
      watcher.subscribe('>', {
        callback: (_e, msg) => {
          seen.push(msg.subject);
        },
      });
      await watcher.flush();
      const alpha = await as(users.get('alpha') ?? assert.fail(), 'alpha');
      const denied: string[] = [];
      for (const subject of [...subjectsOf('beta', 'x'), '_INBOX.x', 'rosey.control.plugin.stop']) {
        alpha.subscribe(subject, {
          callback: (error) => {
            if (error) denied.push(subject);
          },
        });
      }
      const theirs = subjectsOf('beta', 'x');
      for (const subject of theirs) alpha.publish(subject, '{}');
      // Its own subjects after theirs: the server keeps one connection's order, so once these
      // arrive, anything of theirs it let through has arrived too.
      const own =
        users.get('alpha')?.permissions?.publish.allow.map((pattern) => pattern.replace(/[*>]/g, 'x')) ??
        assert.fail();
      for (const subject of own) alpha.publish(subject, '{}');
      await alpha.flush();
      await eventually(() => own.every((s) => seen.includes(s)), 'alpha’s own subjects arrive');
      assert.deepEqual(
        seen.filter((s) => s.includes('beta')),
        [],
      );
      await eventually(() => denied.length === theirs.length + 2, 'every subscription refused');
    } finally {
      for (const nc of connections) await nc.close();
      await server.stop(2000);
    }
  });

  it('lets a plugin hear channel events only with the capability, only in its own queue group', async function () {
    this.timeout(30_000);
    const rosey: NatsUser = { user: ROSEY_USER, password: newPassword() };
    const users = new PluginUsers(rosey);
    users.grant('alpha', ['events.chat']);
    users.grant('beta', []);
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
      const alpha = await as(users.get('alpha') ?? assert.fail(), 'alpha');
      const beta = await as(users.get('beta') ?? assert.fail(), 'beta');
      const heard: string[] = [];
      const refused: string[] = [];
      const listen = (nc: NatsConnection, who: string, subject: string, queue?: string) =>
        nc.subscribe(subject, {
          ...(queue ? { queue } : {}),
          callback: (error) => {
            (error ? refused : heard).push(`${who} ${subject} ${queue ?? '-'}`);
          },
        });
      listen(alpha, 'alpha', 'rosey.events.message', 'plugin.alpha');
      listen(alpha, 'alpha', 'rosey.events.message');
      listen(alpha, 'alpha', 'rosey.events.message', 'plugin.beta');
      listen(alpha, 'alpha', 'rosey.events.user.join', 'plugin.alpha');
      listen(alpha, 'alpha', 'rosey.events.user.list', 'plugin.alpha');
      listen(beta, 'beta', 'rosey.events.message', 'plugin.beta');
      await alpha.flush();
      await beta.flush();
      const platform = await as(rosey);
      for (const subject of ['rosey.events.message', 'rosey.events.user.join', 'rosey.events.user.list'])
        platform.publish(subject, '{}');
      await platform.flush();
      await eventually(() => heard.length === 1 && refused.length === 5, 'one heard, five refused');
      assert.deepEqual(heard, ['alpha rosey.events.message plugin.alpha']);
      assert.deepEqual(refused.sort(), [
        'alpha rosey.events.message -',
        'alpha rosey.events.message plugin.beta',
        'alpha rosey.events.user.join plugin.alpha',
        'alpha rosey.events.user.list plugin.alpha',
        'beta rosey.events.message plugin.beta',
      ]);
    } finally {
      for (const nc of connections) await nc.close();
      await server.stop(2000);
    }
  });

  it('writes the server’s users as JSON inside its authorization block', () => {
    const users = new PluginUsers({ user: ROSEY_USER, password: 'pw' });
    users.grant('quotes', ['chat.send']);
    const block = authorizationBlock(users.all());
    assert.ok(block.startsWith('authorization: {'), block);
    const parsed: unknown = JSON.parse(block.slice('authorization: '.length));
    assert.deepEqual(parsed, {
      users: [
        { user: 'rosey', password: 'pw' },
        {
          user: pluginUser('quotes'),
          password: users.get('quotes')?.password,
          permissions: pluginPermissions('quotes', ['chat.send']),
        },
      ],
    });
    assert.equal(pluginUser('quotes'), 'plugin-quotes');
  });

  it('makes a new long random password each time', () => {
    const passwords = new Set(Array.from({ length: 20 }, () => newPassword()));
    assert.equal(passwords.size, 20);
    for (const password of passwords) assert.match(password, /^[A-Za-z0-9_-]{32}$/);
  });
});

describe('the plugin users of the running server', () => {
  const rosey: NatsUser = { user: ROSEY_USER, password: 'pw' };

  it('keeps a plugin’s password when its permissions change, and reports whether anything changed', () => {
    const users = new PluginUsers(rosey);
    assert.equal(users.get('quotes'), undefined);
    assert.equal(users.grant('quotes', []), true);
    const first = users.get('quotes');
    assert.equal(first?.user, 'plugin-quotes');
    assert.equal(users.grant('quotes', []), false);
    assert.equal(users.grant('quotes', ['storage']), true);
    assert.equal(users.get('quotes')?.password, first?.password);
    assert.deepEqual(users.get('quotes')?.permissions, pluginPermissions('quotes', ['storage']));
    assert.deepEqual(
      users.all().map((u) => u.user),
      ['rosey', 'plugin-quotes'],
    );
  });

  it('hands the server the users only when they changed, and again after a failed reload', async () => {
    const users = new PluginUsers(rosey);
    const reloads: string[][] = [];
    let fail = false;
    users.attach(async (list) => {
      reloads.push(list.map((u) => u.user));
      if (fail) throw new Error('reload failed');
    });
    await users.apply();
    assert.deepEqual(reloads, [], 'nothing changed, nothing reloaded');

    users.grant('quotes', []);
    fail = true;
    await assert.rejects(users.apply(), /reload failed/);
    fail = false;
    await users.apply();
    await users.apply();
    assert.deepEqual(reloads, [
      ['rosey', 'plugin-quotes'],
      ['rosey', 'plugin-quotes'],
    ]);

    assert.equal(users.revoke('nobody'), false);
    await users.apply();
    assert.equal(reloads.length, 2, 'revoking no one changes nothing');
    assert.equal(users.revoke('quotes'), true);
    await users.apply();
    assert.deepEqual(reloads.at(-1), ['rosey']);
  });

  it('refuses to apply changes with no server attached, and keeps them for when one is', async () => {
    const users = new PluginUsers(rosey);
    users.grant('quotes', []);
    await assert.rejects(users.apply(), /the embedded nats-server is not running/);
    const reloads: number[] = [];
    users.attach(async (list) => {
      reloads.push(list.length);
    });
    users.detach();
    await assert.rejects(users.apply(), /not running/);
    users.attach(async (list) => {
      reloads.push(list.length);
    });
    await users.apply();
    assert.deepEqual(reloads, [2]);
  });

  it('runs one reload at a time', async () => {
    const users = new PluginUsers(rosey);
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    users.attach(async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running -= 1;
    });
    users.grant('one', []);
    const first = users.apply();
    await eventually(() => releases.length === 1, 'the first reload runs');
    // Changed while the first reload runs: a second one is due, and must wait for the first.
    users.grant('two', []);
    const second = users.apply();
    releases.shift()?.();
    await first;
    await eventually(() => releases.length === 1, 'the second reload runs after it');
    releases.shift()?.();
    await second;
    assert.equal(most, 1);
  });
});
