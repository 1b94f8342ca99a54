// Writes oclif.manifest.json from the compiled commands in dist/cli/commands. Without it, oclif imports every
// command module (and with them most of Rosey) to learn their ids and flags on each `rosey` invocation: about
// 0.8 s of a cold `rosey status`. Run by `npm run build`; the file is generated, never edited or committed.
import { Plugin } from '@oclif/core';
import { writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const plugin = new Plugin({
  root,
  type: 'core',
  isRoot: true,
  ignoreManifest: true,
  errorOnManifestCreate: true,
});
await plugin.load();
writeFileSync(`${root}oclif.manifest.json`, `${JSON.stringify(plugin.manifest, null, 2)}\n`);
