import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActor } from 'xstate';
import type { z } from '../../contract/zod.js';
import { controlMachine, type ControlInput } from '../../actors/control/control.machine.js';
import { RUNTIME_FILE } from '../../actors/control/runtime-file.js';
import { BusLink } from '../../actors/bus/bus-link.js';
import { busSpec, newWiring } from '../../app/child-specs.js';
import { quietLogger } from '../../contract/log.js';
import {
  killReplySchema,
  pingReplySchema,
  restartReplySchema,
  statusReplySchema,
  stopReplySchema,
} from '../../contract/messages/control.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { findChild } from '../../supervisors/child-ref.js';
import { startTree, type RunningTree } from '../../supervisors/run-tree.js';
import { captureLogger } from '../support/capture-logger.js';
import { client, eventually, tempDir, useNatsServer } from '../support/nats.js';
import { Probe } from '../support/probe.js';

type Verb = 'status' | 'stop' | 'ping' | 'kill' | 'restart';

/**
 * The control plane's answers to status, ping, stop and kill on a real nats-server and a real tree
 * (restart has its own suite), the runtime file it owns while it serves, and what it says when the
 * tree it was given is not there.
 */
describe('rosey.control: status, ping, stop and kill', function () {
  this.timeout(30_000);
  const nats = useNatsServer();
  let nc: NatsConnection;
  before(async () => {
    nc = await client(nats.url);
  });
  after(async () => {
    await nc?.close();
  });

  const runtime = () => ({
    pid: process.pid,
    version: '9.8.7',
    // Only reported, never dialled: the bus child has its own endpoint.
    natsUrl: 'nats://alice:hunter2@127.0.0.1:4222',
    startedAt: '2026-01-01T00:00:00.000Z',
  });

  function start(options: { rootSystemId?: string; dataDir?: string } = {}) {
    const logger = captureLogger();
    const probe = new Probe();
    const w = newWiring(logger);
    const control: ControlInput = {
      link: w.link,
      logger,
      dataDir: options.dataDir ?? tempDir('rosey-control-'),
      runtime: runtime(),
      rootSystemId: options.rootSystemId ?? 'root',
    };
    const tree = startTree({
      name: 'rosey',
      strategy: 'one_for_one',
      intensity: 10,
      children: [
        busSpec(w, { url: nats.url }),
        { id: 'control', logic: controlMachine, input: control },
        probe.spec('job', { restart: 'transient' }),
      ],
    });
    return { tree, logger, probe, control };
  }

  const ask = (verb: Verb, data: unknown, reply: z.ZodType) =>
    request(nc, subjects.control(verb), data, { timeoutMs: 5_000, reply });

  describe('with its tree', () => {
    let tree: RunningTree;
    let logger: ReturnType<typeof captureLogger>;
    let probe: Probe;
    let control: ControlInput;
    before(async () => {
      ({ tree, logger, probe, control } = start());
      await tree.ready;
    });
    after(async () => {
      await tree?.shutdown();
    });

    it('ping answers with the pid and version', async () => {
      expect(await ask('ping', {}, pingReplySchema)).to.deep.equal({
        ok: true,
        data: { pid: process.pid, version: '9.8.7' },
      });
    });

    it('status reports the runtime, the uptime since it started, the NATS URL without its secret, and the live tree', async () => {
      const since = () => Date.now() - Date.parse(runtime().startedAt);
      const before = since();
      const answer = await ask('status', {}, statusReplySchema);
      const after = since();
      if (!answer.ok) throw new Error(answer.error.message);
      const status = answer.data as z.infer<typeof statusReplySchema>;
      expect(status).to.deep.include({
        version: '9.8.7',
        pid: process.pid,
        startedAt: '2026-01-01T00:00:00.000Z',
        nats: 'nats://***@127.0.0.1:4222',
      });
      expect(status.uptimeMs).to.be.within(before, after);
      expect(status.tree.id).to.equal('rosey');
      expect(status.tree.children?.map((c) => c.id)).to.deep.equal(['bus', 'control', 'job']);
    });

    it('writes the runtime file while it serves', () => {
      const file = join(control.dataDir, RUNTIME_FILE);
      expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal(runtime());
    });

    it('kill crashes the child at the path (a leading rosey/ is the root) and says so in the log', async () => {
      probe.take();
      expect(await ask('kill', { path: 'rosey/job', reason: 'stuck' }, killReplySchema)).to.deep.equal({
        ok: true,
        data: { killed: 'job' },
      });
      await eventually(() => probe.log.includes('start job'), 'job restarted');
      expect(logger.lines.filter((l) => l.msg.startsWith('killing'))).to.deep.include({
        tag: 'rosey',
        level: 'warn',
        msg: 'killing job: stuck',
        fields: undefined,
      });
      await ask('kill', { path: 'job' }, killReplySchema);
      await eventually(
        () => logger.lines.some((l) => l.msg === 'killing job: killed over rosey.control.kill'),
        'the default reason',
      );
    });

    it('only a leading rosey/ is the root: a path that merely contains it is taken as it is', async () => {
      const answers = await Promise.all([
        ask('kill', { path: 'xrosey/job' }, killReplySchema),
        ask('restart', { path: 'xrosey/job' }, restartReplySchema),
      ]);
      expect(answers.map((a) => !a.ok && a.error)).to.deep.equal([
        { code: 'NOT_FOUND', message: 'no running child xrosey' },
        { code: 'NOT_FOUND', message: 'no running supervisor xrosey' },
      ]);
    });

    it('restart is logged with its outcome, and the request it started is gone once answered', async () => {
      const answer = await ask('restart', { path: 'rosey/job' }, restartReplySchema);
      expect(!answer.ok && answer.error.code).to.equal('CONFLICT');
      expect(logger.lines).to.deep.include({
        tag: 'rosey',
        level: 'info',
        msg: 'restart of job refused: job is running: restart starts a child that was stopped',
        fields: undefined,
      });
      const ref = findChild(tree.actor, ['control'])?.ref;
      expect(Object.keys(ref?.getSnapshot().children ?? { missing: true }).sort()).to.deep.equal([
        'bus',
        'runtimeFile',
      ]);
    });

    it('kill of a child that is not there is NOT_FOUND, and nothing is logged as killed', async () => {
      const before = logger.lines.filter((l) => l.msg.startsWith('killing')).length;
      const answer = await ask('kill', { path: 'nothing' }, killReplySchema);
      expect(!answer.ok && answer.error.code).to.equal('NOT_FOUND');
      expect(logger.lines.filter((l) => l.msg.startsWith('killing'))).to.have.length(before);
    });
  });

  it('stop answers, then shuts the tree down with the reason given, and the runtime file goes', async () => {
    const { tree, logger, control } = start();
    await tree.ready;
    const file = join(control.dataDir, RUNTIME_FILE);
    expect(existsSync(file)).to.equal(true);
    expect(await ask('stop', { reason: 'maintenance' }, stopReplySchema)).to.deep.equal({
      ok: true,
      data: { stopping: true, pid: process.pid },
    });
    const output = await tree.finished;
    expect(output.exit).to.equal('shutdown');
    expect(logger.lines.map((l) => l.msg)).to.include('stopping: maintenance');
    expect(existsSync(file)).to.equal(false);
  });

  it('stop without a reason names the control plane as the reason', async () => {
    const { tree, logger } = start();
    await tree.ready;
    await ask('stop', {}, stopReplySchema);
    await tree.finished;
    expect(logger.lines.map((l) => l.msg)).to.include('stopping: requested over rosey.control.stop');
  });

  it('every verb that needs the tree is NOT_FOUND when it is not there, and nothing is stopped', async () => {
    const { tree } = start({ rootSystemId: 'elsewhere' });
    await tree.ready;
    try {
      const answers = await Promise.all([
        ask('status', {}, statusReplySchema),
        ask('stop', {}, stopReplySchema),
        ask('kill', { path: 'job' }, killReplySchema),
        ask('restart', { path: 'job' }, restartReplySchema),
      ]);
      expect(answers.map((a) => !a.ok && a.error)).to.deep.equal([
        { code: 'NOT_FOUND', message: 'the supervision tree is not available' },
        { code: 'NOT_FOUND', message: 'no tree to stop' },
        { code: 'NOT_FOUND', message: 'no tree' },
        { code: 'NOT_FOUND', message: 'the supervision tree is not available' },
      ]);
      expect(tree.actor.getSnapshot().status).to.equal('active');
    } finally {
      await tree.shutdown();
    }
  });

  it('stops when asked to before its bus is up', () => {
    const actor = createActor(controlMachine, {
      input: {
        link: new BusLink(),
        logger: quietLogger,
        dataDir: tempDir('rosey-control-'),
        runtime: runtime(),
        rootSystemId: 'root',
      },
    });
    actor.start();
    expect(actor.getSnapshot().value).to.equal('binding');
    actor.send({ type: 'rosey.shutdown' });
    expect(actor.getSnapshot().status).to.equal('done');
  });

  it('serves without a runtime file when it cannot write one, and says what that means', async () => {
    const { tree, logger } = start({ dataDir: join(tempDir('rosey-control-'), 'missing', 'dir') });
    await tree.ready;
    try {
      expect(await ask('ping', {}, pingReplySchema)).to.have.property('ok', true);
      const warning = logger.lines.find((l) => l.msg.startsWith('cannot write the runtime file'));
      expect(warning?.level).to.equal('warn');
      expect(warning?.msg).to.match(/ENOENT.*; CLI commands will need --nats-url$/);
    } finally {
      await tree.shutdown();
    }
  });
});
