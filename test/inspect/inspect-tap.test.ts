import { expect } from 'chai';
import { createActor, fromCallback, setup, type AnyActorRef } from 'xstate';
import { InspectTap } from '../../actors/inspect/inspect-tap.js';
import { Redactor } from '../../actors/inspect/summary.js';
import { inspectMessageSchema, type InspectMessage } from '../../contract/messages/inspect.js';
import { subjects } from '../../contract/subjects.js';
import { eventually } from '../support/nats.js';

const light = setup({
  types: { context: {} as { password: string }, events: {} as { type: 'next' } | { type: 'poke' } },
}).createMachine({
  id: 'light',
  context: { password: 'hunter2-secret' },
  initial: 'green',
  states: {
    green: { on: { next: 'yellow', poke: {} } },
    yellow: { on: { next: 'red' } },
    red: { on: { next: 'green' } },
  },
});

/** A stand-in for the inspect actor, with a child of its own, in the tree it watches. */
const inspectLike = setup({
  types: { events: {} as { type: 'anything' } },
  actors: { quiet: fromCallback(() => () => undefined) },
}).createMachine({
  initial: 'a',
  invoke: { id: 'quiet', src: 'quiet' },
  states: { a: { on: { anything: 'b' } }, b: {} },
});

const parent = setup({ actors: { light, inspectLike } }).createMachine({
  id: 'parent',
  invoke: [
    { id: 'light', src: 'light' },
    { id: 'inspect', src: 'inspectLike' },
  ],
});

class CountingRedactor extends Redactor {
  calls = 0;
  contexts = 0;
  override summarise(value: unknown): unknown {
    this.calls += 1;
    return super.summarise(value);
  }
  override summariseContext(context: unknown): string {
    this.calls += 1;
    this.contexts += 1;
    return super.summariseContext(context);
  }
}

function tapped(leaseMs = 60_000, flushMs?: number) {
  const root = createActor(parent).start();
  const self = root.getSnapshot().children.inspect as AnyActorRef;
  const published: { subject: string; message: InspectMessage }[] = [];
  const redactor = new CountingRedactor();
  const tap = new InspectTap({
    self,
    rootName: 'rosey',
    redactor,
    leaseMs,
    historyPerActor: 4,
    historyActors: 10,
    flushMs,
    subject: subjects.inspect,
    // What goes on the wire is JSON: read back, it is a message of the contract's shape.
    publish: (subject, json) =>
      published.push({ subject, message: inspectMessageSchema.parse(JSON.parse(json)) }),
  });
  root.system.inspect(tap.observe);
  const lightRef = root.getSnapshot().children.light as AnyActorRef;
  // The tap came after the start: this makes it see the light in green first.
  lightRef.send({ type: 'poke' });
  return { root, tap, published, redactor, light: lightRef, self };
}

/** Messages go out after the step that made them (the tap's `send`). */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('inspect: the tap on the actor system', () => {
  it('with nobody watching: keeps transitions, publishes nothing and summarises nothing', async () => {
    const { tap, published, redactor, light, root } = tapped();
    for (let i = 0; i < 9; i++) light.send({ type: 'next' });
    light.send({ type: 'poke' }); // no state change: not a transition
    await tick();
    expect(published).to.deep.equal([]);
    expect(redactor.calls).to.equal(0);
    const history = tap.historyOf('rosey/light');
    // Seen in green, then 9 transitions: the last 4 kept.
    expect(history.map((m) => `${m.from}→${m.state}`)).to.deep.equal([
      'red→green',
      'green→yellow',
      'yellow→red',
      'red→green',
    ]);
    expect(history.every((m) => m.transition && m.event?.type === 'next')).to.equal(true);
    root.stop();
  });

  it('while a lease holds: every event and snapshot, redacted, on the actor’s subject', async () => {
    const { tap, published, light, root } = tapped();
    expect(tap.watch('w1')).to.deep.equal({ leaseMs: 60_000, watchers: 1, detail: 'all' });
    light.send({ type: 'next' });
    light.send({ type: 'poke' });
    await tick();
    const kinds = published.map((p) => `${p.message.kind}:${p.message.event?.type}`);
    expect(kinds).to.deep.equal(['event:next', 'snapshot:next', 'event:poke', 'snapshot:poke']);
    await tick();
    expect(published.every((p) => p.subject === 'rosey.inspect.tree.rosey.light')).to.equal(true);
    const [, moved, , poked] = published.map((p) => p.message);
    expect(moved).to.include({ kind: 'snapshot', from: 'green', state: 'yellow', transition: true });
    expect(poked?.transition).to.equal(undefined);
    expect(moved?.context).to.deep.equal({ password: '[redacted]' });
    expect(JSON.stringify(published)).not.to.include('hunter2-secret');
    // The last lease given back: quiet again.
    expect(tap.watch('w1', { release: true })).to.deep.equal({ leaseMs: 60_000, watchers: 0 });
    light.send({ type: 'next' });
    await tick();
    expect(published).to.have.length(4);
    root.stop();
  });

  it('a lease not renewed runs out', async () => {
    const { tap, published, light, root } = tapped(50);
    tap.watch('w1');
    light.send({ type: 'next' });
    await tick();
    expect(published.length).to.be.greaterThan(0);
    await eventually(() => !tap.watched, 'the lease to run out');
    await tick();
    const before = published.length;
    light.send({ type: 'next' });
    await tick();
    expect(published.length).to.equal(before);
    root.stop();
  });

  it('reports stops, and never the inspect actor itself (its publishes would loop)', async () => {
    const { tap, published, root, self, light } = tapped();
    tap.watch('w1');
    self.send({ type: 'anything' });
    light.send({ type: 'next' });
    await tick();
    expect(published.map((p) => p.message.actor)).to.deep.equal(['rosey/light', 'rosey/light']);
    root.stop();
    await tick();
    const stopped = published.filter((p) => p.message.kind === 'stopped').map((p) => p.message.actor);
    expect(stopped).to.include('rosey/light');
    expect(stopped.every((a) => !a.startsWith('rosey/inspect'))).to.equal(true);
    tap.close();
  });

  it('summarises an event once, for its event message and the snapshot message of its step', async () => {
    const { tap, published, redactor, light, root } = tapped();
    tap.watch('w1');
    light.send({ type: 'next' });
    await tick();
    redactor.calls = 0;
    published.length = 0;
    // The context is the same object, not summarised again; the event once for both messages (and
    // the snapshot's state value once).
    light.send({ type: 'poke', note: 'twice shown' });
    await tick();
    expect(published.map((p) => `${p.message.kind}:${JSON.stringify(p.message.event)}`)).to.deep.equal([
      'event:{"type":"poke","data":{"note":"twice shown"}}',
      'snapshot:{"type":"poke","data":{"note":"twice shown"}}',
    ]);
    expect(redactor.calls).to.equal(2);
    root.stop();
  });

  // Issue 18: a page open cost the command round trip +166 % at p50, nearly all of it the events
  // and contexts summarised and published for a page that draws only states.
  it('a transitions lease: changes of state and stops only, as history entries, no context summarised', async () => {
    const { tap, published, redactor, light, root } = tapped();
    expect(tap.watch('page', { detail: 'transitions' })).to.deep.equal({
      leaseMs: 60_000,
      watchers: 1,
      detail: 'transitions',
    });
    light.send({ type: 'poke' }); // no change of state: nothing for this lease
    light.send({ type: 'next', note: 'left out' } as { type: 'next' });
    await tick();
    expect(published.map((p) => p.message)).to.deep.equal([
      {
        ...tap.historyOf('rosey/light').at(-1),
        kind: 'snapshot',
        from: 'green',
        state: 'yellow',
        transition: true,
        event: { type: 'next' },
      },
    ]);
    expect(published[0]?.message.context).to.equal(undefined);
    expect(redactor.contexts).to.equal(0);
    root.stop();
    await tick();
    expect(published.slice(1).map((p) => `${p.message.actor}:${p.message.kind}`)).to.deep.equal([
      'rosey/light:stopped',
      'rosey:stopped',
    ]);
    tap.close();
  });

  it('publishes the most any lease asks for: everything while an all lease holds', async () => {
    const { tap, published, light, root } = tapped();
    expect(tap.watch('cli').detail).to.equal('all');
    // A lease asking for less, taken or renewed after it, does not take the cli's detail away.
    expect(tap.watch('page', { detail: 'transitions' }).detail).to.equal('all');
    expect(tap.watch('page', { detail: 'transitions' }).detail).to.equal('all');
    light.send({ type: 'poke' });
    await tick();
    expect(published.map((p) => p.message.kind)).to.deep.equal(['event', 'snapshot']);
    // With its context, as an `all` lease has it.
    expect(published[1]?.message.context).to.deep.equal({ password: '[redacted]' });
    published.length = 0;
    expect(tap.watch('cli', { release: true }).detail).to.equal('transitions');
    light.send({ type: 'poke' });
    light.send({ type: 'next' });
    await tick();
    expect(published.map((p) => `${p.message.kind}:${p.message.state}`)).to.deep.equal(['snapshot:yellow']);
    expect(tap.watch('page', { release: true }).detail).to.equal(undefined);
    root.stop();
    tap.close();
  });

  it('with flushMs, the messages of several steps go out together', async () => {
    const { tap, published, light, root } = tapped(60_000, 20);
    let batches = 0;
    let inBatch = false;
    const publish = published.push.bind(published);
    published.push = (...items) => {
      if (!inBatch) {
        batches += 1;
        inBatch = true;
        queueMicrotask(() => (inBatch = false));
      }
      return publish(...items);
    };
    tap.watch('w1');
    light.send({ type: 'next' });
    await tick();
    light.send({ type: 'next' });
    await tick();
    expect(published).to.deep.equal([]);
    await eventually(() => published.length === 4, 'the messages of both steps');
    expect(batches).to.equal(1);
    expect(published.map((p) => p.message.state)).to.deep.equal([undefined, 'yellow', undefined, 'red']);
    root.stop();
    tap.close();
  });
});
