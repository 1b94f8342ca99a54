/**
 * What every chaos scenario shares: its own Rosey in a fresh folder (only the plugins it needs),
 * the chat driver attached to it, and load that runs while a fault is injected.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TreeNode } from '../../contract/messages/control.js';
import { findNode } from '../../supervisors/describe-tree.js';
import { now, sleep } from './clock.js';
import { ChatDriver, type Line, type Sender } from './driver.js';
import { recoveredAfter, type Figures } from './figures.js';
import { startRosey, waitFor, type ChaosRosey } from './rosey.js';

export interface ScenarioOptions {
  /** One quick pass (the version `npm test` runs) instead of several rounds. */
  short: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/**
 * A scenario: the plugins it needs and what it does to the Rosey of `stage`; or one that starts
 * its own Rosey (`standalone`), when the fault needs Rosey inside this process.
 */
export type Scenario =
  | { plugins: string[]; run: (stage: Stage, options: ScenarioOptions) => Promise<Figures> }
  | { plugins: []; standalone: (options: ScenarioOptions) => Promise<Figures> };

const BUILT_IN = ['chat-stats', 'countdown', 'dice', 'magic-8ball', 'quote-db', 'trivia'];
/** The router's answer deadline in every scenario: a line unanswered after it (+ margin) is lost. */
export const COMMAND_TIMEOUT_MS = 3000;
/** How long after the load stops a line may still get its reply. */
export const SETTLE_MS = COMMAND_TIMEOUT_MS + 4000;

export const rolled = (text: string) => /rolled 2d6: /.test(text);
export const roll = () => ({ text: '!roll 2d6' });

export function roseyConfig(plugins: string[], extra: string[] = []): string[] {
  return [
    'log:',
    '  stderrLevel: silent',
    'router:',
    '  defaultCooldownMs: 0',
    `  commandTimeoutMs: ${COMMAND_TIMEOUT_MS}`,
    'plugins:',
    `  disabled: [${BUILT_IN.filter((p) => !plugins.includes(p)).join(', ')}]`,
    ...extra,
  ];
}

export const pluginsRunning =
  (plugins: string[]) =>
  (tree: TreeNode): boolean =>
    plugins.every((p) => findNode(tree, `${p}@1`)?.status === 'running');

export interface Stage {
  dir: string;
  /** Rosey now: a scenario that restarts it puts the new one here. */
  rosey: ChaosRosey;
  driver: ChatDriver;
  plugins: string[];
  /** The data dir is a small tmpfs of its own (root only): the disk-full scenario can fill it. */
  tmpfs: boolean;
}

/** Size of the data dir's tmpfs: room for Rosey's database and log, small enough to fill at once. */
export const TMPFS_SIZE = '32m';
export const isRoot = () => process.getuid?.() === 0;

/**
 * A fresh folder (its data dir a tmpfs when `tmpfs` and root) and a Rosey running `plugins`;
 * Rosey is stopped, the tmpfs unmounted and the folder removed when `body` ends, however it ends.
 */
export async function withStage<T>(
  plugins: string[],
  options: { tmpfs: boolean; log: (line: string) => void },
  body: (stage: Stage) => Promise<T>,
): Promise<T> {
  const { log } = options;
  const dir = mkdtempSync(join(tmpdir(), 'rosey-chaos-'));
  const dataDir = join(dir, 'data');
  const tmpfs = options.tmpfs && isRoot();
  if (tmpfs) {
    mkdirSync(dataDir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dataDir]);
  }
  const stage: Partial<Stage> = { dir, driver: new ChatDriver(), plugins, tmpfs };
  try {
    stage.rosey = await startRosey({ dir, config: roseyConfig(plugins), ready: pluginsRunning(plugins) });
    log(
      `rosey ${stage.rosey.process.pid} ready in ${stage.rosey.startupMs.toFixed(0)} ms (${plugins.join(', ')})`,
    );
    await stage.driver!.attach(stage.rosey.nc);
    return await body(stage as Stage);
  } finally {
    stage.driver!.detach();
    const stopping = now();
    await stage.rosey?.stop();
    log(`rosey stopped in ${(now() - stopping).toFixed(0)} ms`);
    if (tmpfs) {
      try {
        execFileSync('umount', [dataDir]);
      } catch (error) {
        log(`umount ${dataDir} failed: ${(error as Error).message}`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Restarts Rosey on the same folder (after it was killed) and points the driver at it. */
export async function restart(stage: Stage): Promise<void> {
  stage.rosey = await startRosey({
    dir: stage.dir,
    config: roseyConfig(stage.plugins),
    ready: pluginsRunning(stage.plugins),
  });
  await stage.driver.attach(stage.rosey.nc);
}

export interface Loaded {
  lines: Line[];
  /** When the fault was injected (performance.now()). */
  faultAt: number;
  /** Fault → first good answer to a line sent after it; Infinity when none came in time. */
  recoveryMs: number;
}

/**
 * Steady load (`next` every `everyMs`) with a fault injected after `leadMs`: the load goes on until
 * answers come back (`ok`) or `recoveryLimitMs` passed, then `tailMs` more. The lines are returned
 * once each has its reply or the settle time ran out.
 */
export async function underLoad(
  driver: ChatDriver,
  load: { next: () => { text: string; as?: Sender }; everyMs: number; ok: (text: string) => boolean },
  fault: () => Promise<void>,
  timing: { leadMs?: number; recoveryLimitMs: number; tailMs?: number },
): Promise<Loaded> {
  let stop = false;
  const sending = driver.steady(load.next, load.everyMs, () => stop);
  let faultAt = 0;
  let lines: Line[] = [];
  try {
    await sleep(timing.leadMs ?? 1000);
    faultAt = now();
    await fault();
    await waitFor(async () => recoveredAfter(driver.lines, faultAt, load.ok), timing.recoveryLimitMs);
    await sleep(timing.tailMs ?? 1000);
  } finally {
    stop = true;
    lines = await sending;
  }
  await driver.settle(lines, SETTLE_MS);
  return { lines, faultAt, recoveryMs: recoveredAfter(lines, faultAt, load.ok) ?? Infinity };
}

/** Sends `n` lines one after another, each waiting for its reply: a warm-up before a fault. */
export async function warmUp(
  driver: ChatDriver,
  next: () => { text: string; as?: Sender },
  n = 5,
): Promise<Line[]> {
  const lines: Line[] = [];
  for (let i = 0; i < n; i++) {
    const { text, as } = next();
    const line = driver.send(text, as);
    lines.push(line);
    await driver.settle([line], SETTLE_MS);
  }
  return lines;
}
