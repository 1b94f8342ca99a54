/**
 * `npm run test:e2e:cytube`: Rosey against a real CyTube server. Not part of `npm test` (it needs
 * a server, an account and a channel). It starts Rosey with `rosey start`, waits until the bot is
 * in the channel, has a second client say `!roll 1d6` there and waits for the bot's answer to that
 * line (roll-check.ts: a replayed answer from an earlier run does not count).
 * Exit 0 on success; 1 with the reason otherwise; 2 when the environment is incomplete.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNode, type TreeNode } from '../../supervisors/describe-tree.js';
import { askForRoll, ROLL } from './roll-check.js';

const ROSEY = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));
const REQUIRED = ['CYTUBE_URL', 'CYTUBE_CHANNEL', 'CYTUBE_USER', 'CYTUBE_PASSWORD'] as const;

/** A failure: reported once Rosey has been stopped (see the end of this file). */
class Failure extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

function fail(message: string, code = 1): never {
  throw new Failure(message, code);
}

function report(error: unknown): never {
  const failure =
    error instanceof Failure ? error : new Failure(error instanceof Error ? error.message : String(error));
  process.stderr.write(`test:e2e:cytube: FAIL: ${failure.message}\n`);
  process.exit(failure.code);
}

const missing = REQUIRED.filter((name) => !process.env[name]);
if (missing.length > 0)
  report(
    new Failure(
      `set ${missing.join(', ')} (a CyTube site, a channel, and the bot's account there; optional: CYTUBE_CHANNEL_PASSWORD, CYTUBE_TESTER, CYTUBE_TESTER_PASSWORD). Nothing was tested.`,
      2,
    ),
  );
const env = Object.fromEntries(REQUIRED.map((k) => [k, process.env[k]!])) as Record<
  (typeof REQUIRED)[number],
  string
>;
const testerName = process.env.CYTUBE_TESTER ?? `e2e${Math.floor(Math.random() * 1e6)}`;
const timeoutMs = Number(process.env.CYTUBE_TIMEOUT_MS ?? 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cwd = mkdtempSync(join(tmpdir(), 'rosey-e2e-cytube-'));
const rosey = (...args: string[]) =>
  spawnSync(process.execPath, [ROSEY, ...args, '-c', 'rosey.yaml'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CYTUBE_PASSWORD: env.CYTUBE_PASSWORD },
  });

writeFileSync(
  join(cwd, 'rosey.yaml'),
  JSON.stringify({
    log: { stderrLevel: 'silent' },
    platforms: {
      cytube: {
        server: env.CYTUBE_URL,
        channel: env.CYTUBE_CHANNEL,
        username: env.CYTUBE_USER,
        ...(process.env.CYTUBE_CHANNEL_PASSWORD
          ? { channelPassword: process.env.CYTUBE_CHANNEL_PASSWORD }
          : {}),
      },
    },
  }),
);

async function connectorReady(): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no status yet';
  while (Date.now() < deadline) {
    const status = rosey('status', '--json');
    if (status.status === 0) {
      const node = findNode((JSON.parse(status.stdout) as { tree: TreeNode }).tree, 'cytube');
      const state = node?.info?.state;
      if (state === 'ready') return;
      last = `${String(state)}${node?.info?.reason ? `: ${String(node.info.reason)}` : ''}`;
      if (state === 'halted') fail(`the bot could not join ${env.CYTUBE_CHANNEL}: ${last}`);
    }
    await sleep(1000);
  }
  fail(`the bot was not in ${env.CYTUBE_CHANNEL} within ${timeoutMs} ms (last state: ${last})`);
}

const started = rosey('start', '--detach');
if (started.status !== 0) report(new Failure(`rosey start failed: ${started.stderr.trim()}`));
let outcome: unknown;
try {
  await connectorReady();
  const answer = await askForRoll({
    server: env.CYTUBE_URL,
    channel: env.CYTUBE_CHANNEL,
    ...(process.env.CYTUBE_CHANNEL_PASSWORD ? { channelPassword: process.env.CYTUBE_CHANNEL_PASSWORD } : {}),
    bot: env.CYTUBE_USER,
    tester: testerName,
    ...(process.env.CYTUBE_TESTER_PASSWORD ? { testerPassword: process.env.CYTUBE_TESTER_PASSWORD } : {}),
    timeoutMs,
  });
  process.stdout.write(
    `test:e2e:cytube: PASS: ${env.CYTUBE_USER} answered ${testerName}'s ${ROLL} in ${env.CYTUBE_CHANNEL}: ${answer}\n`,
  );
} catch (error) {
  outcome = error;
} finally {
  // Always, also after a failure: the test must not leave a Rosey running.
  const stopped = rosey('stop');
  if (stopped.status !== 0) process.stderr.write(`test:e2e:cytube: rosey stop: ${stopped.stderr.trim()}\n`);
}
if (outcome !== undefined) report(outcome);
