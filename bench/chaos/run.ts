/**
 * Rosey's chaos suite: `npm run chaos [-- --short] [SCENARIO…]`. Kills the nats-server, plugin
 * processes and storage under load, hangs a plugin, fills the disk (as root), each against a real
 * Rosey on loopback, and prints per scenario: commands sent / answered / refused / silently lost,
 * acknowledged writes lost, duplicates, recovery times. Exits 1 when a line was silently lost or
 * an acknowledged write was lost. docs/reliability.md explains the figures and keeps the last ones.
 */
import { markdownRow, print } from './figures.js';
import { anyFailed, runChaos, SCENARIOS } from './suite.js';
import { killEverything } from './rosey.js';

const args = process.argv.slice(2);
const short = args.includes('--short');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !(n in SCENARIOS));
if (unknown.length > 0) {
  console.error(`chaos: no scenario ${unknown.join(', ')} (scenarios: ${Object.keys(SCENARIOS).join(', ')})`);
  process.exit(2);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killEverything();
    process.exit(130);
  });

console.log(`Rosey chaos suite — node ${process.version}${short ? ' (short)' : ''}\n`);
const results = await runChaos(names, { short, log: (line) => console.log(`   · ${line}`) }, (f) => {
  print(f);
  console.log('');
});
console.log(
  '| scenario | sent | answered | refused | silently lost | acknowledged writes lost | duplicates | recovery |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const f of results) console.log(markdownRow(f));
const bad = anyFailed(results);
console.log(`\n${bad ? 'FAIL: something was silently lost' : 'ok: nothing silently lost'}`);
process.exit(bad ? 1 : 0);
