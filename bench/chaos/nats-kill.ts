/**
 * Chaos: kill -9 of the embedded nats-server while a user in the console chat sends `!roll` at a
 * steady pace (issue 15, defect 6). A whole Rosey runs in this process (app/start-rosey.ts, the
 * console connector and the dice plugin in its own process); every line carries its own id in the
 * dice notation (`!roll 1d<k>`), so each answer says which line it answers. Figures, never asserted
 * here: how many lines were answered, explicitly refused (the console's "not sent" notice, or the
 * router's "timed out" / "unavailable" answer), silently lost or answered twice, and how long after
 * the kill Rosey answered again. test/e2e/nats-kill.test.ts runs it short and asserts nothing is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../app/config/load.js';
import { startRosey, type RunningRosey } from '../../app/start-rosey.js';
import type { LogFields, Logger, LogLevel } from '../../contract/log.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';

export interface NatsKillOptions {
  /** Chat lines sent in all (after a warm-up that is not counted). Default 120. */
  lines?: number;
  /** Pause between two lines. Default 100 ms. */
  intervalMs?: number;
  /** Lines sent before the nats-server is killed. Default 10. */
  killAfter?: number;
  /** How long to wait, after the last line, for every line to be answered or refused. Default 20 s. */
  settleMs?: number;
  /** Receives Rosey's log lines (warnings and errors are also kept in the figures). */
  logger?: Logger;
}

export interface NatsKillFigures {
  sent: number;
  /** Lines answered with their roll (each counted once). */
  answered: number;
  /** Lines refused in so many words: the console's "not sent" notice, or the router's failure reply. */
  refused: number;
  /** Lines neither answered nor refused by the end of the settle time. */
  lost: number;
  /** The lines neither answered nor refused by name (a router refusal does not say which line it answers). */
  unanswered: string[];
  /** Answers beyond the first to the same line. */
  duplicates: number;
  /** From the kill to the first answer of any kind. */
  firstAnswerAfterKillMs?: number;
  /** From the kill to the first roll answering a line sent after the kill. */
  recoveryMs?: number;
  /** Rosey's warnings and errors from the kill on. */
  warnings: string[];
}

const USER = 'tester';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `!roll <count>d<sides>`: a distinct notation per line id (dice allows 1..20 dice of 1..1000 sides). */
function notationOf(id: number): string {
  return `${1 + Math.floor(id / 1000)}d${1 + (id % 1000)}`;
}
function idOf(count: number, sides: number): number {
  return (count - 1) * 1000 + (sides - 1);
}

/** A logger that keeps warnings and errors, and forwards everything. */
function keepingLogger(kept: string[], forward: Logger | undefined, tag = 'rosey'): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (level === 'warn' || level === 'error') kept.push(`${level} [${tag}] ${msg}`);
      forward?.[level](msg, fields);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (sub, bindings) => keepingLogger(kept, forward?.child(sub, bindings), `${tag}/${sub}`),
  };
}

export async function natsKill(options: NatsKillOptions = {}): Promise<NatsKillFigures> {
  const lines = options.lines ?? 120;
  const intervalMs = options.intervalMs ?? 100;
  const killAfter = Math.min(options.killAfter ?? 10, lines);
  const settleMs = options.settleMs ?? 20_000;
  if (lines > 20_000) throw new Error('natsKill: at most 20000 lines (one dice notation each)');

  const dataDir = mkdtempSync(join(tmpdir(), 'rosey-chaos-nats-'));
  const warnings: string[] = [];
  const input = new PassThrough();
  const printed: Array<{ at: number; text: string }> = [];
  let pending = '';
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        printed.push({ at: performance.now(), text: pending.slice(0, newline) });
        pending = pending.slice(newline + 1);
      }
      done();
    },
  });
  const loaded = loadConfig({
    env: {},
    cwd: dataDir,
    overrides: {
      dataDir,
      router: { defaultCooldownMs: 0 },
      plugins: { disabled: ['chat-stats', 'countdown', 'magic-8ball', 'quote-db', 'trivia'] },
      platforms: { console: { user: USER, rank: 1 } },
    },
  });
  let rosey: RunningRosey | undefined;
  try {
    rosey = await startRosey({
      loaded,
      logger: keepingLogger(warnings, options.logger),
      console: { input, output, interactive: false, stopOnEof: false },
    });
    const say = (text: string) => input.write(`${text}\n`);

    // Warm-up: the dice plugin has announced its commands once a flip is answered.
    for (let answered = false; !answered;) {
      say('!flip');
      await sleep(200);
      answered = printed.some((p) => p.text.includes('flipped a coin'));
    }

    const sentAt: number[] = [];
    let killedAt = 0;
    const startedAt = printed.length;
    for (let id = 0; id < lines; id++) {
      if (id === killAfter) {
        const pid = findNode(describeTree(rosey.tree.actor), 'nats-server')?.info?.pid;
        if (typeof pid !== 'number') throw new Error('natsKill: the nats-server did not report its pid');
        warnings.length = 0;
        options.logger?.warn(`chaos: kill -9 nats-server ${pid}`);
        killedAt = performance.now();
        process.kill(pid, 'SIGKILL');
      }
      sentAt.push(performance.now());
      say(`!roll ${notationOf(id)}`);
      await sleep(intervalMs);
    }

    const tally = () => {
      const answers = new Map<number, number>();
      const refusedIds = new Set<number>();
      let routerRefusals = 0;
      for (const { text } of printed.slice(startedAt)) {
        const roll = new RegExp(`^Rosey: ${USER} rolled (\\d+)d(\\d+):`).exec(text);
        if (roll) {
          const id = idOf(Number(roll[1]), Number(roll[2]));
          answers.set(id, (answers.get(id) ?? 0) + 1);
          continue;
        }
        const notSent = /^\* not sent .*: !roll (\d+)d(\d+)$/.exec(text);
        if (notSent) refusedIds.add(idOf(Number(notSent[1]), Number(notSent[2])));
        else if (/^Rosey: !roll (timed out|is unavailable|failed)/.test(text)) routerRefusals++;
      }
      const answered = answers.size;
      const refused = [...refusedIds].filter((id) => !answers.has(id)).length + routerRefusals;
      const duplicates = [...answers.values()].reduce((sum, n) => sum + n - 1, 0);
      const unanswered: string[] = [];
      for (let id = 0; id < lines; id++)
        if (!answers.has(id) && !refusedIds.has(id)) unanswered.push(`!roll ${notationOf(id)}`);
      return { answered, refused, duplicates, unanswered, lost: Math.max(0, lines - answered - refused) };
    };
    const deadline = performance.now() + settleMs;
    while (tally().lost > 0 && performance.now() < deadline) await sleep(50);

    const after = printed.slice(startedAt).filter((p) => p.at >= killedAt);
    const firstAnswer = after[0];
    const firstRecovered = after.find((p) => {
      const roll = /rolled (\d+)d(\d+):/.exec(p.text);
      return roll && idOf(Number(roll[1]), Number(roll[2])) >= killAfter;
    });
    return {
      sent: lines,
      ...tally(),
      firstAnswerAfterKillMs: firstAnswer ? firstAnswer.at - killedAt : undefined,
      recoveryMs: firstRecovered ? firstRecovered.at - killedAt : undefined,
      warnings: [...warnings],
    };
  } finally {
    input.end();
    await rosey?.tree.shutdown('chaos run over');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function describeNatsKill(f: NatsKillFigures): string {
  const ms = (v: number | undefined) => (v === undefined ? 'never' : `${v.toFixed(0)} ms`);
  return [
    'kill -9 of the nats-server under a steady stream of !roll (console)',
    `  lines sent / answered / refused / silently lost   ${f.sent} / ${f.answered} / ${f.refused} / ${f.lost}`,
    `  answered twice                                    ${f.duplicates}`,
    ...(f.lost > 0 ? [`  not answered: ${f.unanswered.slice(0, 20).join(', ')}`] : []),
    `  first answer after the kill                       ${ms(f.firstAnswerAfterKillMs)}`,
    `  answering lines sent after the kill again after   ${ms(f.recoveryMs)}`,
    ...[...counted(f.warnings)].map(([w, n]) => `  log${n > 1 ? ` (${n}×)` : ''}: ${w}`),
  ].join('\n');
}

function counted(lines: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(describeNatsKill(await natsKill()));
}
