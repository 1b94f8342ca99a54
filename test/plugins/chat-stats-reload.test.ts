/**
 * chat-stats across a blue-green reload (issue 20): chat goes on at about 50 lines a second (a
 * busy CyTube channel has a few) while the plugin is reloaded, and afterwards every user's line count in storage is exactly what they
 * said — no line lost in the swap, none counted by both generations. Real nats-server, the real
 * plugin manager and plugin processes, the plugin as built (dist/plugins/chat-stats), on SQLite and PostgreSQL.
 */
import { expect } from 'chai';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '../../contract/nats.js';
import { BUILTIN_PLUGINS_DIR } from '../../app/start-rosey.js';
import { eventFiguresSchema } from '../../contract/messages/plugin-events.js';
import { request } from '../../contract/request.js';
import type { Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { forEachDatabase, freshDatabase, type DatabaseKind } from '../support/databases.js';
import { fakePlatform } from '../support/fake-platform.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { client, eventually, tempDir, useNatsServer } from '../support/nats.js';

const USERS = 7;

forEachDatabase(
  'chat-stats across a reload (real nats-server, real plugin processes)',
  (kind: DatabaseKind) => {
    const nats = useNatsServer();
    let nc: NatsConnection;
    let mini: Awaited<ReturnType<typeof startMiniRosey>> | undefined;

    beforeEach(async () => {
      nc = await client(nats.url);
    });
    afterEach(async () => {
      await mini?.tree.shutdown();
      mini = undefined;
      await nc.close();
    });

    /** The plugin's line counts by user, read from its table as Rosey's storage has them. */
    async function linesByUser(): Promise<Record<string, number>> {
      const found = await request(
        nc,
        subjects.row('chat-stats', 'search'),
        { table: 'users', fields: ['user_key', 'lines'], limit: 1000 },
        { timeoutMs: 5000 },
      );
      if (!found.ok) throw new Error(found.error.message);
      const rows = (found.data as { rows: Array<{ user_key: string; lines: number }> }).rows;
      return Object.fromEntries(rows.map((r) => [r.user_key, r.lines]));
    }

    it('counts every line said during a reload exactly once', async function () {
      this.timeout(120_000);
      // A copy, so that the reload can bring a new version (the manifest's) of the same code.
      const dir = join(tempDir('rosey-chat-stats-'), 'chat-stats');
      cpSync(join(BUILTIN_PLUGINS_DIR, 'chat-stats'), dir, { recursive: true });
      mini = await startMiniRosey({
        url: nats.url,
        plugins: ['chat-stats'],
        dirs: { 'chat-stats': dir },
        database: await freshDatabase(kind),
        reload: { graceMs: 300, healthIntervalMs: 50 },
      });
      const platform = await fakePlatform(nc);
      let sent = 0;
      let until = Infinity;
      const said = new Map<string, number>();
      const driver = setInterval(() => {
        if (sent >= until) return;
        const user = `u${++sent % USERS}`;
        said.set(user, (said.get(user) ?? 0) + 1);
        platform.say(`line ${sent}`, { user });
      }, 20);
      let outcome: Result<unknown>;
      try {
        await eventually(
          async () => Object.values(await linesByUser()).reduce((a, b) => a + b, 0) >= 60,
          'generation 1 counting the chat',
          30_000,
        );
        const manifest = join(dir, 'manifest.yaml');
        writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^version: .*$/m, 'version: 1.0.1'));
        outcome = await request(
          nc,
          subjects.pluginControl('reload'),
          { plugin: 'chat-stats' },
          { timeoutMs: 60_000 },
        );
        until = sent + 100;
        await eventually(() => sent >= until, 'the lines after the reload', 30_000);
      } finally {
        clearInterval(driver);
      }
      await nc.flush();
      expect(outcome.ok && outcome.data, JSON.stringify(outcome)).to.deep.include({ handedOver: true });
      const settled = await request(
        nc,
        subjects.pluginEvents('chat-stats', 2),
        { op: 'settle' },
        { timeoutMs: 10_000, reply: eventFiguresSchema },
      );
      expect(settled.ok && settled.data, JSON.stringify(settled)).to.include({
        dropped: 0,
        failed: 0,
        invalid: 0,
      });
      // Handled is not yet written: chat-stats writes its lines every second (its flushMs).
      const total = [...said.values()].reduce((a, b) => a + b, 0);
      await eventually(
        async () => Object.values(await linesByUser()).reduce((a, b) => a + b, 0) >= total,
        'the last lines written',
        10_000,
      );
      expect(await linesByUser()).to.deep.equal(Object.fromEntries(said));
      expect(said.size).to.equal(USERS);
    });
  },
);
