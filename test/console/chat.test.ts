import type { TallyEvent } from '../../actors/tally/tally.js';
import { expect } from 'chai';
import type { NatsConnection, Subscription } from '../../contract/nats.js';
import { consoleMachine, MAX_INPUT_LINE, type ConsoleInput } from '../../actors/console/console.machine.js';
import { busSpec, newWiring } from '../../app/child-specs.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import { quietLogger } from '../../contract/log.js';
import type { ChatMessage } from '../../contract/messages/chat.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { findChild } from '../../supervisors/child-ref.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { startTree, type RunningTree } from '../../supervisors/run-tree.js';
import { captureLogger } from '../support/capture-logger.js';
import { testConsole, type TestTerminal } from './test-console.js';
import { client, eventually, useNatsServer } from '../support/nats.js';

interface Seen {
  subject: string;
  data: unknown;
}

/**
 * The console platform on a real nats-server: what a typed line becomes on the bus, what Rosey's
 * lines, PMs and kicks print, who a request is answered for, and how the end of input stops Rosey.
 */
describe('console: typed lines in, Rosey’s lines out', function () {
  this.timeout(20_000);
  const nats = useNatsServer();
  let nc: NatsConnection;
  let subs: Subscription[] = [];
  let seen: Seen[];
  let tree: RunningTree | undefined;
  let term: TestTerminal;
  let treeLog: ReturnType<typeof captureLogger>;

  before(async () => {
    nc = await client(nats.url);
  });
  after(async () => {
    await nc?.close();
  });
  afterEach(async () => {
    for (const sub of subs) sub.unsubscribe();
    subs = [];
    await tree?.shutdown();
    tree = undefined;
  });

  /**
   * Records every message on these subjects; answers requests with `answer` when given. A callback,
   * not an iterator per subscription: callbacks run in the order the messages came in.
   */
  function watch(subject: string, answer?: unknown): void {
    const sub = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) throw error;
        const decoded = decodeJson(msg.data);
        seen.push({ subject: msg.subject, data: decoded.ok ? decoded.data : undefined });
        if (answer !== undefined) msg.respond(encodeJson(answer));
      },
    });
    subs.push(sub);
  }

  /** What the console told the tree's tally (the metrics actor's source). */
  let told: TallyEvent[] = [];

  async function start(options: Partial<ConsoleInput> = {}): Promise<RunningTree> {
    seen = [];
    await nc.flush();
    const w = newWiring(quietLogger);
    told = [];
    w.tally.attach((event) => told.push(event));
    const made = testConsole({ link: w.link, tally: w.tally, user: 'Tester', rank: 3, ...options });
    term = made.terminal;
    treeLog = captureLogger();
    tree = startTree({
      name: 'rosey',
      strategy: 'one_for_one',
      intensity: 10,
      logger: treeLog,
      children: [busSpec(w, { url: nats.url }), { id: 'console', logic: consoleMachine, input: made.input }],
    });
    await tree.ready;
    return tree;
  }

  const consoleState = () => findChild(tree!.actor, ['console'])?.ref?.getSnapshot().value as unknown;
  const consoleNode = () => findNode(describeTree(tree!.actor), 'console');

  const messages = () => seen.filter((s) => s.subject === subjects.message || s.subject === subjects.pm);

  it('a typed line is a chat message from the console user; /pm makes it a private one; blank lines are not sent', async () => {
    watch('rosey.events.>');
    await start();
    const before = Date.now();
    term.input.write('!roll 2d6\n   \n/pm   secret words\n/pmx not private\nsay /pm later\n');
    await eventually(() => messages().length === 4, 'four messages');
    const after = Date.now();
    const sent = messages().map((m) => ({ subject: m.subject, ...(m.data as ChatMessage) }));
    for (const m of sent) expect(m.time).to.be.within(before, after);
    expect(sent.map(({ time: _time, ...rest }) => rest)).to.deep.equal([
      {
        subject: subjects.message,
        platform: 'console',
        channel: 'console',
        user: 'Tester',
        rank: 3,
        text: '!roll 2d6',
      },
      {
        subject: subjects.pm,
        platform: 'console',
        channel: 'console',
        user: 'Tester',
        rank: 3,
        text: 'secret words',
      },
      {
        subject: subjects.message,
        platform: 'console',
        channel: 'console',
        user: 'Tester',
        rank: 3,
        text: '/pmx not private',
      },
      {
        subject: subjects.message,
        platform: 'console',
        channel: 'console',
        user: 'Tester',
        rank: 3,
        text: 'say /pm later',
      },
    ]);
  });

  it('a line longer than the cap is cut there, without halving an emoji', async () => {
    watch(subjects.message);
    await start();
    term.input.write('a'.repeat(MAX_INPUT_LINE - 1) + '😀 and more\n');
    await eventually(() => messages().length === 1, 'the line');
    const text = (messages()[0]!.data as ChatMessage).text;
    expect(text).to.equal('a'.repeat(MAX_INPUT_LINE - 1) + '\uFFFD');
  });

  it('Rosey’s lines print as "Rosey: text", each line of a reply prefixed, control characters removed', async () => {
    await start();
    nc.publish(subjects.sendChat('console'), encodeJson({ text: 'one\ntwo\x1b[31m red\x07' }));
    await eventually(() => term.printed.split('\n').length > 2, 'two lines');
    expect(term.printed).to.equal('Rosey: one\nRosey: two[31m red\n');
  });

  it('a PM to the console user prints as private (any case of the name); a PM to someone else does not print', async () => {
    await start();
    const pm = (to: string, text: string) =>
      request(nc, subjects.sendPm('console'), { to, text }, { timeoutMs: 5_000 });
    expect(await pm('bob', 'not for you')).to.deep.equal({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'bob is not in the console channel' },
    });
    expect(await pm('tESTER', 'psst')).to.deep.equal({ ok: true, data: {} });
    await eventually(() => term.printed.includes('\n'), 'the PM');
    expect(term.printed).to.equal('Rosey (private): psst\n');
  });

  it('tells the metrics of each line it prints for Rosey (chat, or a PM to its user), and of nothing else', async () => {
    await start();
    nc.publish(subjects.sendChat('console'), encodeJson({ text: 'hello' }));
    nc.publish(subjects.sendPm('console'), encodeJson({ to: 'bob', text: 'not here' }));
    nc.publish(subjects.sendKick('console'), encodeJson({ user: 'tester' }));
    nc.publish(subjects.sendPm('console'), encodeJson({ to: 'tester', text: 'psst' }));
    await eventually(() => term.printed.includes('psst'), 'the PM');
    expect(told).to.deep.equal([
      { type: 'line.sent', platform: 'console', kind: 'chat' },
      { type: 'line.sent', platform: 'console', kind: 'pm' },
    ]);
  });

  it('a PM published without asking for an answer (the router’s replies) prints too', async () => {
    await start();
    nc.publish(subjects.sendPm('console'), encodeJson({ to: 'tester', text: 'routed' }));
    await eventually(() => term.printed.includes('\n'), 'the PM');
    expect(term.printed).to.equal('Rosey (private): routed\n');
  });

  it('at a terminal it shows the prompt with the user’s name, and again under each printed reply', async () => {
    await start({ interactive: true });
    await eventually(() => term.printed.includes('Tester> '), 'the prompt');
    nc.publish(subjects.sendChat('console'), encodeJson({ text: 'hi' }));
    await eventually(() => term.printed.includes('Rosey: hi'), 'the reply');
    await eventually(() => term.printed.split('Rosey: hi\n')[1]?.includes('Tester> '), 'the prompt again');
    expect(term.printed).to.include('\r\x1b[KRosey: hi\n');
  });

  it('a chat line asked for with a request is answered once it is printed', async () => {
    await start();
    const answer = await request(nc, subjects.sendChat('console'), { text: 'hi' }, { timeoutMs: 5_000 });
    expect(answer).to.deep.equal({ ok: true, data: {} });
    expect(term.printed).to.equal('Rosey: hi\n');
  });

  it('a kick of the console user is a notice with its reason, if any; a kick of someone else is NOT_FOUND', async () => {
    await start();
    const kick = (user: string, reason?: string) =>
      request(nc, subjects.sendKick('console'), { user, reason }, { timeoutMs: 5_000 });
    expect(await kick('carol')).to.deep.equal({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'carol is not in the console channel' },
    });
    expect(term.printed).to.equal('');
    expect(await kick('tester', 'spam\x1b')).to.deep.equal({ ok: true, data: {} });
    expect(await kick('TESTER')).to.deep.equal({ ok: true, data: {} });
    expect(term.printed).to.equal('* Rosey kicked you (spam)\n* Rosey kicked you\n');
  });

  it('at the end of input (rosey dev): the lines go out, the router settles, then the control plane is asked to stop', async () => {
    watch(subjects.message);
    watch(subjects.routerSettle, { ok: true, data: {} });
    // The control plane answers and stops the tree itself: the console leaves it alone.
    watch(subjects.control('stop'), { ok: true, data: { stopping: true, pid: 1 } });
    const running = await start({ stopOnEof: true });
    term.input.end('first\nsecond\n');
    await eventually(() => seen.some((s) => s.subject === subjects.control('stop')), 'the stop request');
    expect(seen).to.deep.equal([
      { subject: subjects.message, data: seen[0]!.data },
      { subject: subjects.message, data: seen[1]!.data },
      { subject: subjects.routerSettle, data: {} },
      { subject: subjects.control('stop'), data: { reason: 'end of console input' } },
    ]);
    expect((seen[1]!.data as ChatMessage).text).to.equal('second');
    // Replies still print after the input has ended.
    nc.publish(subjects.sendChat('console'), encodeJson({ text: 'bye' }));
    await eventually(() => term.printed.includes('bye'), 'the late reply');
    expect(running.actor.getSnapshot().status).to.equal('active');
    await eventually(() => consoleState() === 'idle', 'the console idle');
  });

  it('when the control plane cannot be reached, the console stops the tree itself', async () => {
    watch(subjects.routerSettle, { ok: true, data: {} });
    const running = await start({ stopOnEof: true });
    term.input.end();
    const output = await running.finished;
    tree = undefined;
    expect(output.exit).to.equal('shutdown');
    expect(treeLog.lines.map((l) => l.msg)).to.include('shutting down: console closed');
  });

  it('with no tree to stop either, the console just stops asking (it does not crash)', async () => {
    watch(subjects.routerSettle, { ok: true, data: {} });
    await start({ stopOnEof: true, rootSystemId: 'elsewhere' });
    term.input.end();
    await eventually(() => consoleState() === 'idle', 'the console idle');
    expect(consoleNode()).to.deep.include({ status: 'running', restarts: 0 });
  });

  it('Ctrl-C after the input has ended is the process’s own SIGINT (the terminal is raw), not another stop', async () => {
    watch(subjects.control('stop'), { ok: true, data: { stopping: true, pid: 1 } });
    await start();
    term.input.end();
    await eventually(() => consoleState() === 'idle', 'the console idle');
    let signalled = false;
    const onSignal = () => (signalled = true);
    process.once('SIGINT', onSignal);
    try {
      term.output.emit('error', new Error('EPIPE'));
      await eventually(() => signalled, 'SIGINT');
    } finally {
      process.off('SIGINT', onSignal);
    }
    await nc.flush();
    expect(seen).to.deep.equal([]);
  });

  it('at the end of input in a session that goes on (no stopOnEof), nothing is settled or stopped', async () => {
    watch(subjects.routerSettle, { ok: true, data: {} });
    watch(subjects.control('stop'), { ok: true, data: { stopping: true, pid: 1 } });
    await start();
    term.input.end('last\n');
    nc.publish(subjects.sendChat('console'), encodeJson({ text: 'still here' }));
    await eventually(() => term.printed.includes('still here'), 'a reply after the end');
    await nc.flush();
    expect(seen).to.deep.equal([]);
  });

  it('when whoever read the output has gone, the session ends: Rosey is asked to stop', async () => {
    watch(subjects.control('stop'), { ok: true, data: { stopping: true, pid: 1 } });
    await start();
    term.output.emit('error', new Error('EPIPE'));
    await eventually(() => seen.length > 0, 'the stop request');
    expect(seen).to.deep.equal([
      { subject: subjects.control('stop'), data: { reason: 'end of console input' } },
    ]);
  });
});
