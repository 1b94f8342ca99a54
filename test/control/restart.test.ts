import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { controlMachine, type ControlInput } from '../../actors/control/control.machine.js';
import { busSpec, newWiring } from '../../app/child-specs.js';
import { quietLogger } from '../../contract/log.js';
import { captureLogger } from '../support/capture-logger.js';
import { restartReplySchema } from '../../contract/messages/control.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { startTree, type RunningTree } from '../../supervisors/run-tree.js';
import { supervisorMachine } from '../../supervisors/supervisor.machine.js';
import { client, eventually, tempDir, useNatsServer } from '../support/nats.js';
import { Probe } from '../support/probe.js';

/**
 * `rosey.control.restart {path}` (issue 23, item 7): OTP's restart_child from the CLI, on a real
 * nats-server and a real tree. Each refusal of the supervisor becomes its own one-line error.
 */
describe('rosey.control.restart (OTP restart_child over the control plane)', function () {
  this.timeout(30_000);
  const nats = useNatsServer();
  const probe = new Probe();
  let tree: RunningTree;
  let nc: NatsConnection;
  const controlLog = captureLogger();

  before(async () => {
    const w = newWiring(quietLogger);
    const control: ControlInput = {
      link: w.link,
      logger: controlLog,
      dataDir: tempDir('rosey-restart-'),
      runtime: { pid: process.pid, version: 'test', natsUrl: nats.url, startedAt: new Date().toISOString() },
      rootSystemId: 'root',
      restartTimeoutMs: 300,
    };
    tree = startTree({
      name: 'rosey',
      strategy: 'one_for_one',
      intensity: 10,
      children: [
        busSpec(w, { url: nats.url }),
        { id: 'control', logic: controlMachine, input: control },
        probe.spec('job', { restart: 'transient' }),
        probe.spec('slow', { restart: 'transient', startTimeoutMs: 'infinity' }),
        {
          id: 'plugins',
          type: 'supervisor',
          logic: supervisorMachine,
          input: { name: 'plugins', strategy: 'one_for_one', dynamic: true, children: [probe.spec('p')] },
        },
      ],
    });
    await tree.ready;
    nc = await client(nats.url);
  });
  after(async () => {
    await nc?.close();
    await tree?.shutdown();
  });

  const restart = (path: string) =>
    request(nc, subjects.control('restart'), { path }, { timeoutMs: 5_000, reply: restartReplySchema });
  const status = (id: string) => findNode(describeTree(tree.actor), id)?.status;

  it('starts a stopped child again and answers once it is started', async () => {
    probe.exitNormally('job');
    await eventually(() => status('job') === 'stopped', 'job stopped');
    probe.take();
    expect(await restart('job')).to.deep.equal({ ok: true, data: { restarted: 'job' } });
    expect(probe.take()).to.deep.equal(['start job']);
    expect(status('job')).to.equal('running');
    expect(controlLog.lines.map((l) => l.msg)).to.include('restarted job (rosey.control.restart)');
  });

  it('refuses a running child (CONFLICT), naming it', async () => {
    expect(await restart('rosey/job')).to.deep.equal({
      ok: false,
      error: { code: 'CONFLICT', message: 'job is running: restart starts a child that was stopped' },
    });
  });

  it('names what is wrong with a path (NOT_FOUND, VALIDATION_ERROR)', async () => {
    const answers = await Promise.all(['nothing', 'x/job', 'job/y'].map(restart));
    expect(answers.map((a) => !a.ok && a.error)).to.deep.equal([
      { code: 'NOT_FOUND', message: 'no child nothing' },
      { code: 'NOT_FOUND', message: 'no running supervisor x' },
      { code: 'NOT_FOUND', message: 'job is not a supervisor' },
    ]);
    const malformed = await restart('job/*');
    expect(!malformed.ok && malformed.error.code).to.equal('VALIDATION_ERROR');
  });

  it('refuses a child of a dynamic supervisor (OTP: simple_one_for_one), pointing a plugin to reload', async () => {
    const answer = await restart('plugins/p');
    expect(!answer.ok && answer.error).to.deep.equal({
      code: 'NOT_SUPPORTED',
      message:
        'plugins is a dynamic supervisor: its children are started anew; `rosey plugin reload p` starts a failed plugin again',
    });
  });

  it('says why a child could not be started, and the child stays stopped', async () => {
    probe.exitNormally('job');
    await eventually(() => status('job') === 'stopped', 'job stopped');
    probe.behaviour.set('job', { failStart: true });
    const answer = await restart('job');
    probe.behaviour.set('job', {});
    expect(!answer.ok && answer.error).to.deep.equal({
      code: 'INTERNAL',
      message: 'job failed to start: crashed: job cannot start',
    });
    expect(status('job')).to.equal('stopped');
  });

  it('answers TIMEOUT when the child is not started in time; the supervisor goes on starting it', async () => {
    probe.exitNormally('slow');
    await eventually(() => status('slow') === 'stopped', 'slow stopped');
    probe.behaviour.set('slow', { manualReady: true });
    const answer = await restart('slow');
    expect(!answer.ok && answer.error).to.deep.equal({
      code: 'TIMEOUT',
      message: 'slow was not started within 300 ms',
    });
    expect(status('slow')).to.equal('starting');
    probe.ready('slow');
    expect(status('slow')).to.equal('running');
  });
});
