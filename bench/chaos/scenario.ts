/**
 * What every chaos scenario shares: its own Rosey in a fresh folder (only the plugins it needs),
 * the chat driver attached to it, and load that runs while a fault is injected.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TreeNode } from '../../contract/messages/control.js';
import { findNode } from '../../supervisors/describe-tree.js';
import { now, sleep } from './clock.js';
import { ChatDriver, type Line, type Sender } from './driver.js';
import { recoveredAfter } from './figures.js';
import { startRosey, waitFor, type ChaosRosey } from './rosey.js';

export interface ScenarioOptions {
  /** One quick pass (the version `npm test` runs) instead of several rounds. */
  short: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

const BUILT_IN = ['countdown', 'dice', 'magic-8ball', 'quote-db', 'trivia'];
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
  rosey: ChaosRosey;
  driver: ChatDriver;
}

/** A fresh folder and a Rosey running `plugins`; everything is removed when `body` ends. */
export async function withRosey<T>(
  plugins: string[],
  body: (stage: Stage) => Promise<T>,
  options: { extra?: string[]; dir?: string } = {},
): Promise<T> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'rosey-chaos-'));
  const stage: Partial<Stage> = { dir, driver: new ChatDriver() };
  try {
    stage.rosey = await startRosey({ dir, config: roseyConfig(plugins, options.extra), ready: pluginsRunning(plugins) });
    await stage.driver!.attach(stage.rosey.nc);
    return await body(stage as Stage);
  } finally {
    stage.driver!.detach();
    // A scenario may have replaced stage.rosey (a restart): stop whichever runs now.
    await stage.rosey?.stop();
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  }
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
    await waitFor(
      async () => recoveredAfter(driver.lines, faultAt, load.ok),
      timing.recoveryLimitMs,
    );
    await sleep(timing.tailMs ?? 1000);
  } finally {
    stop = true;
    lines = await sending;
  }
  await driver.settle(lines, SETTLE_MS);
  return { lines, faultAt, recoveryMs: recoveredAfter(lines, faultAt, load.ok) ?? Infinity };
}

/** Sends `n` lines one after another, each waiting for its reply: a warm-up before a fault. */
export async function warmUp(driver: ChatDriver, next: () => { text: string; as?: Sender }, n = 5): Promise<Line[]> {
  const lines: Line[] = [];
  for (let i = 0; i < n; i++) {
    const { text, as } = next();
    const line = driver.send(text, as);
    lines.push(line);
    await driver.settle([line], SETTLE_MS);
  }
  return lines;
}
