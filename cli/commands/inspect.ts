import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { Args, Flags } from '@oclif/core';
import type { NatsConnection } from '../../contract/nats.js';
import { distance } from 'fastest-levenshtein';
import { reachRosey } from '../../app/control-client.js';
import { decodeJson } from '../../contract/envelope.js';
import {
  actorsReplySchema,
  historyReplySchema,
  inspectMessageSchema,
  machineReplySchema,
  watchReplySchema,
  type InspectedActor,
  type InspectMessage,
} from '../../contract/messages/inspect.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { validate } from '../../contract/validate.js';
import { RoseyCommand } from '../base-command.js';
import { answerTimeoutFlags, locationFlags, natsFlags, targetFor } from '../config-flags.js';
import { mermaidChart, svgChart } from '../../app/inspect-chart.js';
import type { ZodType } from '../../contract/zod.js';

/** `{plugin: "dice"}`: an event's data the way one reads it on a line. */
function inline(value: unknown, depth = 0): string {
  if (Array.isArray(value))
    return depth > 2 ? '[…]' : `[${value.map((v) => inline(v, depth + 1)).join(', ')}]`;
  if (value && typeof value === 'object') {
    if (depth > 2) return '{…}';
    const parts = Object.entries(value).map(
      ([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inline(v, depth + 1)}`,
    );
    return `{${parts.join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

const MAX_DATA = 160;

function eventText(m: InspectMessage): string {
  if (!m.event) return '';
  const data = m.event.data === undefined ? '' : inline(m.event.data);
  const shown = data.length > MAX_DATA ? `${data.slice(0, MAX_DATA)}…` : data;
  return shown ? `${m.event.type} ${shown}` : m.event.type;
}

/** One line for a message, or undefined for one a plain follow does not show. */
export function inspectLine(m: InspectMessage, name: string, everything: boolean): string | undefined {
  const on = m.event ? ` on ${eventText(m)}` : '';
  switch (m.kind) {
    case 'started':
      return `${name}: started`;
    case 'stopped':
      return `${name}: stopped (${m.status ?? 'stopped'})${m.state ? ` in ${m.state}` : ''}`;
    case 'event':
      return everything ? `${name}: ← ${eventText(m)}${m.source ? ` from ${m.source}` : ''}` : undefined;
    case 'snapshot':
      if (m.transition && m.from !== undefined) return `${name}: ${m.from} → ${m.state ?? '?'}${on}`;
      if (m.transition && m.state !== undefined) return `${name}: in ${m.state}${on}`;
      return everything ? `${name}: ${m.state ?? m.status ?? 'snapshot'}${on}` : undefined;
  }
}

export default class Inspect extends RoseyCommand {
  static override summary = 'Watch what the actors of the running tree do, or draw one as a state chart.';

  static override description = `Without an actor, lists every actor of the running Rosey's tree with its current state. With one (its path, e.g. rosey/services/router, or just its id, router), prints its last transitions; --follow keeps printing them as they happen (the actor's and those of the actors under it) until interrupted. --json prints one JSON object per line instead (the messages of rosey.inspect.tree.*, docs/subjects.md#inspection). --chart FILE writes the actor's state chart: Mermaid stateDiagram-v2 source for FILE.mmd, an SVG laid out by elkjs for FILE.svg, its current state highlighted. Secrets in actors' contexts are redacted before they leave Rosey. Exits 1 when Rosey is not running or the actor is unknown.`;

  static override examples = [
    '<%= config.bin %> inspect',
    '<%= config.bin %> inspect router',
    '<%= config.bin %> inspect dice --follow',
    '<%= config.bin %> inspect router --chart router.svg',
  ];

  static override args = {
    actor: Args.string({ description: 'Actor path (rosey/services/router) or id (router).' }),
  };

  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'Keep printing transitions as they happen.' }),
    json: Flags.boolean({ description: 'One JSON object per line.' }),
    events: Flags.boolean({
      description: 'Also every event received and every snapshot, not just transitions.',
    }),
    chart: Flags.string({ description: 'Write the actor’s state chart to this .mmd or .svg file.' }),
    ...locationFlags,
    ...natsFlags,
    ...answerTimeoutFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Inspect);
    const fail: (message: string) => never = (message) => this.fail(message);
    if (flags.chart !== undefined) {
      if (!args.actor) fail('--chart needs an actor: rosey inspect <actor> --chart FILE.svg');
      if (!['.svg', '.mmd'].includes(extname(flags.chart).toLowerCase()))
        fail(`--chart writes .svg or .mmd files, not ${flags.chart}`);
      if (flags.follow) fail('--chart and --follow do not go together');
    }
    const target = targetFor(flags, fail);
    const connected = await reachRosey(target);
    if (!connected.ok) fail(`cannot inspect Rosey: ${connected.error.message}`);
    const nc = connected.data;
    const ask = <T>(subject: string, data: unknown, reply: ZodType<T>) =>
      request(nc, subject, data, { reply, timeoutMs: flags.timeout });
    try {
      const listed = await ask(subjects.inspectRequest('actors'), {}, actorsReplySchema);
      if (!listed.ok) fail(`cannot inspect Rosey: ${listed.error.message}`);
      const actors = listed.data.actors;
      if (!args.actor) {
        for (const a of actors)
          this.log(
            flags.json
              ? JSON.stringify(a)
              : `${a.actor}${a.state !== undefined ? `  ${a.state}` : ''}${a.status === 'active' ? '' : `  (${a.status})`}`,
          );
        return;
      }
      const actor = resolveActor(actors, args.actor, fail);
      if (flags.chart !== undefined) {
        const machine = await ask(
          subjects.inspectRequest('machine'),
          { actor: actor.actor },
          machineReplySchema,
        );
        if (!machine.ok) fail(`cannot chart ${actor.actor}: ${machine.error.message}`);
        const text = flags.chart.toLowerCase().endsWith('.svg')
          ? await svgChart(machine.data)
          : mermaidChart(machine.data);
        writeFileSync(flags.chart, text);
        this.log(
          `wrote ${flags.chart}: ${actor.actor}${machine.data.state ? ` in ${machine.data.state}` : ''}`,
        );
        return;
      }
      const parent = actor.actor.includes('/') ? actor.actor.slice(0, actor.actor.lastIndexOf('/') + 1) : '';
      const show = (m: InspectMessage) => {
        if (flags.json) {
          if (flags.events || m.kind !== 'event') this.log(JSON.stringify(m));
          return;
        }
        const line = inspectLine(
          m,
          m.actor.startsWith(parent) ? m.actor.slice(parent.length) : m.actor,
          flags.events,
        );
        if (line !== undefined) this.log(line);
      };
      // The actor's own history and that of the actors under it, in the order it all happened.
      const paths = actors
        .map((a) => a.actor)
        .filter((p) => p === actor.actor || p.startsWith(`${actor.actor}/`));
      const history = async () => {
        const histories = await Promise.all(
          paths.map((path) => ask(subjects.inspectRequest('history'), { actor: path }, historyReplySchema)),
        );
        const failed = histories.find((h) => !h.ok);
        if (failed && !failed.ok) fail(`cannot inspect ${actor.actor}: ${failed.error.message}`);
        return histories.flatMap((h) => (h.ok ? h.data.entries : [])).sort((a, b) => a.seq - b.seq);
      };
      if (!flags.follow) {
        for (const m of await history()) show(m);
        return;
      }
      await this.follow(nc, actor.actor, history, show, flags.timeout, fail);
    } finally {
      if (!nc.isClosed()) await nc.close();
    }
  }

  /**
   * Subscribes first and then takes the lease, so nothing published in between is lost; the history
   * fills in what happened before, and `seq` drops what both of them carry.
   */
  private async follow(
    nc: NatsConnection,
    actor: string,
    history: () => Promise<InspectMessage[]>,
    show: (m: InspectMessage) => void,
    timeoutMs: number,
    fail: (message: string) => never,
  ): Promise<void> {
    let shownUpTo = -1;
    const held: InspectMessage[] = [];
    let live = false;
    const take = (data: Uint8Array) => {
      const decoded = decodeJson(data);
      const checked = decoded.ok ? validate(inspectMessageSchema, decoded.data) : decoded;
      if (!checked.ok) return;
      if (!live) held.push(checked.data);
      else if (checked.data.seq > shownUpTo) {
        shownUpTo = checked.data.seq;
        show(checked.data);
      }
    };
    const subject = subjects.inspect(actor);
    for (const s of [subject, `${subject}.>`])
      nc.subscribe(s, { callback: (e, msg) => (e ? undefined : take(msg.data)) });
    await nc.flush();
    const watcher = `cli-${randomUUID()}`;
    const watch = (release = false) =>
      request(
        nc,
        subjects.inspectRequest('watch'),
        { watcher, release },
        { reply: watchReplySchema, timeoutMs },
      );
    const first = await watch();
    if (!first.ok) fail(`cannot watch ${actor}: ${first.error.message}`);
    for (const m of await history()) {
      shownUpTo = Math.max(shownUpTo, m.seq);
      show(m);
    }
    live = true;
    for (const m of held.sort((a, b) => a.seq - b.seq))
      if (m.seq > shownUpTo) {
        shownUpTo = m.seq;
        show(m);
      }
    const renew = setInterval(() => void watch(), Math.max(1000, Math.floor(first.data.leaseMs / 3)));
    const stopped = new Promise<'signal'>((resolve) => {
      process.once('SIGINT', () => resolve('signal'));
      process.once('SIGTERM', () => resolve('signal'));
    });
    const ended = await Promise.race([stopped, nc.closed().then(() => 'closed' as const)]);
    clearInterval(renew);
    if (ended === 'closed') fail('Rosey went away');
    await watch(true);
  }
}

/**
 * The actor a name means: its exact path, else the one with that id nearest the root (a bridge
 * called `bus` under every actor does not hide the bus itself). Two at the same depth are
 * ambiguous; none: the nearest names are suggested.
 */
export function resolveActor(
  actors: InspectedActor[],
  name: string,
  fail: (message: string) => never,
): InspectedActor {
  const exact = actors.find((a) => a.actor === name);
  if (exact) return exact;
  // A state machine before anything else at the same depth: the bus, not the inspect actor's bridge.
  const depth = (a: InspectedActor) => a.actor.split('/').length * 2 + (a.kind === 'machine' ? 0 : 1);
  const matching = actors
    .filter((a) => a.id === name || a.actor.endsWith(`/${name}`))
    .sort((a, b) => depth(a) - depth(b));
  const [first, second] = matching;
  if (first && (!second || depth(second) > depth(first))) return first;
  if (first && second)
    fail(
      `${name} names several actors: ${matching
        .filter((a) => depth(a) === depth(first))
        .map((a) => a.actor)
        .join(', ')}`,
    );
  const nearest = [...new Set(actors.map((a) => a.id))]
    .map((id) => ({ id, d: distance(name, id) }))
    .filter(({ id, d }) => d <= Math.max(2, Math.floor(name.length / 3)) || id.includes(name))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map(({ id }) => id);
  fail(
    `no actor ${name} in the tree${nearest.length ? `; did you mean ${nearest.join(', or ')}?` : ''} (rosey inspect lists them)`,
  );
}
