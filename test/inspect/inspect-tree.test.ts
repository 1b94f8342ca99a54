/**
 * Inspection of a real Rosey (`rosey start --detach`: the whole tree, the embedded nats-server, the
 * built-in plugins, a CyTube connector retrying an address nobody answers), through the bus as the
 * CLI and the dashboard see it, and through `rosey inspect` itself.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '../../contract/nats.js';
import { decodeJson } from '../../contract/envelope.js';
import {
  actorsReplySchema,
  historyReplySchema,
  inspectMessageSchema,
  watchReplySchema,
  type InspectMessage,
} from '../../contract/messages/inspect.js';
import { statusReplySchema, type TreeNode } from '../../contract/messages/control.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { runCli, spawnCli } from '../support/cli.js';
import { eventually } from '../support/nats.js';
import { CYTUBE_PASSWORD, HTTP_TOKEN, startRoseyWithSecrets } from '../support/rosey-with-secrets.js';
import type { ZodType } from '../../contract/zod.js';

/** Every path of a `rosey status` tree, as inspection names actors. */
function treePaths(node: TreeNode, prefix = ''): { path: string; state?: string }[] {
  const path = prefix ? `${prefix}/${node.id}` : node.id;
  return [{ path, state: node.state }, ...(node.children ?? []).flatMap((c) => treePaths(c, path))];
}

describe('rosey inspect, on a running Rosey', function () {
  this.timeout(120_000);
  let cwd: string;
  let rosey: Awaited<ReturnType<typeof startRoseyWithSecrets>> | undefined;
  let nc: NatsConnection;

  const ask = async <T>(subject: string, data: unknown, reply: ZodType<T>): Promise<T> => {
    const result = await request(nc, subject, data, { reply, timeoutMs: 5000 });
    if (!result.ok) throw new Error(`${subject}: ${result.error.message}`);
    return result.data;
  };
  const actors = () => ask(subjects.inspectRequest('actors'), {}, actorsReplySchema);
  /** The path of dice's host now (its generation grows with each reload). */
  const diceHost = async () =>
    (await actors()).actors.find(
      (a) => /^rosey\/plugins\/dice\/dice@\d+$/.test(a.actor) && a.status === 'active',
    )?.actor;
  const reloadDice = async () => {
    const reloaded = await runCli(['plugin', 'reload', 'dice'], { cwd });
    expect(reloaded.code, reloaded.stderr).to.equal(0);
  };

  before(async () => {
    rosey = await startRoseyWithSecrets();
    ({ cwd, nc } = rosey);
  });

  after(async () => {
    await rosey?.stop();
  });

  it('lists every actor of the tree with its state, as rosey status shows them', async () => {
    const status = await ask(subjects.control('status'), {}, statusReplySchema);
    const listed = (await actors()).actors;
    const byPath = new Map(listed.map((a) => [a.actor, a]));
    const expected = treePaths(status.tree);
    expect(expected.length).to.be.greaterThan(20);
    for (const { path, state } of expected) {
      expect(byPath.has(path), `${path} listed`).to.equal(true);
      // The connector moves on its own between the two readings; the rest stands still.
      if (state !== undefined && !path.includes('cytube'))
        expect(byPath.get(path)?.state, path).to.equal(state);
    }
    // …and the actors under them: each bus bridge, each plugin's process.
    expect(byPath.get('rosey/services/router/bus')?.kind).to.equal('other');
    expect(byPath.get('rosey/services/router')).to.include({ kind: 'machine', state: 'routing' });
    const cli = await runCli(['inspect'], { cwd });
    expect(cli.code, cli.stderr).to.equal(0);
    const lines = cli.stdout.trim().split('\n');
    for (const { path } of expected)
      expect(
        lines.some((l) => l.split(/\s+/)[0] === path),
        path,
      ).to.equal(true);
    expect(lines).to.include('rosey/services/router  routing');
  });

  it('publishes nothing on rosey.inspect.> while nobody watches, even through a reload', async () => {
    const seen: string[] = [];
    const raw = nc.subscribe('rosey.inspect.>', {
      callback: (_e, msg) => {
        seen.push(msg.subject);
      },
    });
    await nc.flush();
    try {
      // Plenty happens meanwhile: a whole blue-green reload, and the connector retrying.
      await reloadDice();
      await nc.flush();
      expect(seen).to.deep.equal([]);
    } finally {
      raw.unsubscribe();
    }
    // It did happen, and was kept for whoever looks later.
    const host = (await diceHost()) ?? expect.fail('no dice host');
    const history = await ask(subjects.inspectRequest('history'), { actor: host }, historyReplySchema);
    expect(history.entries.map((e) => e.state)).to.include.members([
      'binding',
      'alive.starting',
      'alive.running',
    ]);
  });

  it('a watcher sees a reload as the plugin hosts’ transitions, with no secret in any message', async () => {
    const raw: Uint8Array[] = [];
    const messages: InspectMessage[] = [];
    const invalid: string[] = [];
    const sub = nc.subscribe('rosey.inspect.>', {
      callback: (_e, msg) => {
        raw.push(msg.data);
        if (!msg.subject.startsWith('rosey.inspect.tree.')) return;
        const decoded = decodeJson(msg.data);
        const parsed = decoded.ok ? inspectMessageSchema.safeParse(decoded.data) : undefined;
        if (parsed?.success) messages.push(parsed.data);
        else invalid.push(msg.subject);
      },
    });
    await nc.flush();
    const watched = await ask(
      subjects.inspectRequest('watch'),
      { watcher: 'test-watcher' },
      watchReplySchema,
    );
    expect(watched.watchers).to.equal(1);
    const before = (await diceHost()) ?? expect.fail('no dice host');
    try {
      await reloadDice();
      const after = (await diceHost()) ?? expect.fail('no dice host');
      expect(after).not.to.equal(before);
      const transitions = (actor: string) =>
        messages.filter(
          (m) => m.actor === actor && (m.kind === 'snapshot' ? m.transition : m.kind !== 'event'),
        );
      await eventually(
        () => transitions(before).some((m) => m.kind === 'stopped'),
        'the old generation’s host to stop',
        20_000,
      );
      expect(transitions(after).map((m) => (m.kind === 'snapshot' ? m.state : m.kind))).to.deep.equal([
        'started',
        'binding',
        'alive.starting',
        'alive.running',
      ]);
      expect(transitions(after)[3]).to.deep.include({
        from: 'alive.starting',
        event: transitions(after)[3]?.event,
      });
      expect(transitions(after)[3]?.event?.type).to.equal('plugin.ready');
      expect(transitions(before).map((m) => m.state ?? m.kind)).to.include('alive.stopping');
      // Every event the host received, too, and its context, redacted.
      expect(
        messages.some((m) => m.actor === after && m.kind === 'event' && m.event?.type === 'bus.bound'),
      ).to.equal(true);
      const withContext = messages.find((m) => m.actor === after && m.context !== undefined);
      expect(JSON.stringify(withContext?.context)).to.include('"pass":"[redacted]"');
      // The connector's context (with the CyTube password in its input) was published meanwhile.
      await eventually(
        () => messages.some((m) => m.actor === 'rosey/connectors/cytube' && m.context !== undefined),
        'a snapshot of the connector',
      );
    } finally {
      const released = await ask(
        subjects.inspectRequest('watch'),
        { watcher: 'test-watcher', release: true },
        watchReplySchema,
      );
      expect(released.watchers).to.equal(0);
      await nc.flush();
      sub.unsubscribe();
    }
    expect(invalid).to.deep.equal([]);
    const bytes = Buffer.concat(raw).toString('utf8');
    const runtime = JSON.parse(readFileSync(join(cwd, 'data', 'rosey.runtime.json'), 'utf8')) as {
      natsPass?: string;
    };
    expect(runtime.natsPass?.length).to.be.greaterThan(8);
    for (const secret of [CYTUBE_PASSWORD, HTTP_TOKEN, runtime.natsPass!])
      expect(bytes).not.to.include(secret);
    expect(bytes).to.include('"password":"[redacted]"');
  });

  it('keeps at most its capacity of transitions per actor, the oldest going first', async () => {
    const history = () =>
      ask(subjects.inspectRequest('history'), { actor: 'rosey/connectors/cytube' }, historyReplySchema);
    const full = await eventually(
      async () => {
        const h = await history();
        return h.entries.length === h.capacity && h;
      },
      'the connector’s history to fill up',
      60_000,
    );
    const firstSeq = full.entries[0]!.seq;
    const later = await eventually(
      async () => {
        const h = await history();
        return h.entries[0]!.seq > firstSeq && h;
      },
      'more transitions',
      20_000,
    );
    expect(later.entries).to.have.length(later.capacity);
    const seqs = later.entries.map((e) => e.seq);
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
  });

  it('rosey inspect <actor> --follow prints a reload’s transitions as they happen, in a terminal until Ctrl-C', async () => {
    const follow = spawnCli(['inspect', 'dice', '--follow'], { cwd, terminal: true });
    try {
      // Its history comes first: the supervisor has started at least.
      await eventually(() => follow.lines.includes('dice: started'), 'the history', 20_000);
      const before = (await diceHost())!.slice('rosey/plugins/dice/'.length);
      await reloadDice();
      const after = (await diceHost())!.slice('rosey/plugins/dice/'.length);
      await eventually(
        () =>
          follow.lines.some((l) =>
            l.startsWith(`dice/${after}: alive.starting → alive.running on plugin.ready {`),
          ),
        'the new host serving',
        20_000,
      );
      await eventually(
        () => follow.lines.some((l) => l.startsWith(`dice/${before}: stopped`)),
        'the old host stopping',
        20_000,
      );
      expect(follow.lines).to.include(`dice/${after}: started`);
      expect(follow.lines).to.include(`dice/${after}: binding → alive.starting on bus.bound`);
    } finally {
      follow.interrupt();
    }
    expect(await follow.exited).to.equal(0);
    // In a terminal stderr comes through `lines` too: nothing but transitions was printed.
    expect(follow.lines.filter((l) => l !== '' && !/^dice(\/[\w@.-]+)*: /.test(l))).to.deep.equal([]);
    // It gave its lease back on the way out.
    const watch = await ask(
      subjects.inspectRequest('watch'),
      { watcher: 'probe', release: true },
      watchReplySchema,
    );
    expect(watch.watchers).to.equal(0);
  });

  it('writes the router’s chart as Mermaid and as SVG, its state highlighted', async () => {
    const mmd = join(cwd, 'router.mmd');
    const svg = join(cwd, 'router.svg');
    const a = await runCli(['inspect', 'router', '--chart', mmd], { cwd });
    expect(a.code, a.stderr).to.equal(0);
    expect(a.stdout).to.equal(`wrote ${mmd}: rosey/services/router in routing\n`);
    const mermaid = readFileSync(mmd, 'utf8');
    expect(mermaid.split('\n')[0]).to.equal('stateDiagram-v2');
    expect(mermaid).to.include('class s_router_routing active');
    const b = await runCli(['inspect', 'rosey/services/router', '--chart', svg], { cwd });
    expect(b.code, b.stderr).to.equal(0);
    expect(readFileSync(svg, 'utf8')).to.match(/<g class="state atomic active" data-id="router\.routing">/);
  });

  it('an unknown actor: one line, exit 1, the nearest names', async () => {
    const typo = await runCli(['inspect', 'routr'], { cwd });
    expect(typo.code).to.equal(1);
    expect(typo.stdout).to.equal('');
    expect(typo.stderr).to.equal(
      'rosey inspect: no actor routr in the tree; did you mean router? (rosey inspect lists them)\n',
    );
    const chart = await runCli(['inspect', 'router', '--chart', join(cwd, 'router.png')], { cwd });
    expect(chart.code).to.equal(1);
    expect(chart.stderr).to.match(
      /^rosey inspect: --chart writes \.svg or \.mmd files, not .*router\.png\n$/,
    );
    const notMachine = await runCli(['inspect', 'rosey/services/router/bus', '--chart', join(cwd, 'x.svg')], {
      cwd,
    });
    expect(notMachine.code).to.equal(1);
    expect(notMachine.stderr).to.equal(
      'rosey inspect: cannot chart rosey/services/router/bus: rosey/services/router/bus is not a state machine: it has no chart\n',
    );
  });
});
