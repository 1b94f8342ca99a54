/**
 * The actions suite: what the action gate costs. A real Rosey (`rosey start`, its own nats-server,
 * the dice plugin, which asks for no capability) is sent `rosey.actions.dice.users.kick` as Rosey's
 * own user: the gate validates it, asks the plugin manager for dice's grants, refuses it with
 * FORBIDDEN and publishes the security violation. That is the whole decision a plugin's action goes
 * through before a connector sees it (a granted one then adds the connector's own request). Beside
 * it, a bare NATS request/reply to a separate process: the raw baseline.
 */
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeJson } from '../contract/envelope.js';
import { request } from '../contract/request.js';
import { subjects } from '../contract/subjects.js';
import { findNode } from '../supervisors/describe-tree.js';
import { launchRosey, ratioLine, sequential, throughput } from './harness.js';
import type { SuiteOptions } from './runtime.js';

const RESPONDER = fileURLToPath(new URL('./responder.js', import.meta.url));

export async function actionsSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  const roundTrips = quick ? 300 : 3000;
  const seconds = quick ? 2 : 6;
  console.log('== Actions: the action gate (capability check before a connector) ==\n');
  const rosey = await launchRosey({
    dir: mkdtempSync(join(tmpdir(), 'rosey-bench-')),
    // Violations are logged as warnings: keep them out of the bench's output.
    config: ['log:', '  stderrLevel: error', '  level: error'],
    nodeArgs,
    ready: (tree) => findNode(tree, 'dice@1')?.status === 'running',
  });
  const nc = rosey.nc;
  const responder = fork(RESPONDER, [rosey.natsUrl, rosey.user ?? '', rosey.pass ?? '', 'bench.raw'], {
    stdio: 'inherit',
  });
  await new Promise((r) => responder.once('message', r));
  const raw = () => nc.request('bench.raw', encodeJson({ user: 'bob' }), { timeout: 2000 });
  const kick = async () => {
    const result = await request(
      nc,
      subjects.action('dice', 'users.kick'),
      { user: 'bob' },
      { timeoutMs: 2000 },
    );
    if (result.ok || result.error.code !== 'FORBIDDEN')
      throw new Error(`unexpected answer: ${JSON.stringify(result)}`);
  };
  try {
    console.log('Round trip, one at a time');
    const base = await sequential('  bare NATS request/reply (baseline)', roundTrips, raw);
    const gate = await sequential('  action refused by the gate (grants asked)', roundTrips, kick);
    console.log(`${ratioLine(gate, base)}\n`);
    console.log('Sustained rate');
    const baseRate = await throughput('  bare NATS request/reply (baseline)', seconds, raw);
    const gateRate = await throughput('  actions through the gate', seconds, kick);
    console.log(`  ratio to baseline: ×${(baseRate / gateRate).toFixed(1)} fewer per second\n`);
  } finally {
    responder.kill();
    await rosey.stop();
  }
}
