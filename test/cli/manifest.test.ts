import { Plugin } from '@oclif/core';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';

const root = new URL('../../../', import.meta.url).pathname;

// `rosey` reads its commands from oclif.manifest.json (written by `npm run build`) instead of importing every
// command module. A manifest older than the compiled commands would hide a new command or flag, so the
// test compares it with what oclif finds in dist/cli/commands itself.
describe('oclif.manifest.json', () => {
  it('describes exactly the compiled commands and their flags', async () => {
    const fresh = new Plugin({
      root,
      type: 'core',
      isRoot: true,
      ignoreManifest: true,
      errorOnManifestCreate: true,
    });
    await fresh.load();
    const written = JSON.parse(readFileSync(`${root}oclif.manifest.json`, 'utf8')) as typeof fresh.manifest;
    expect(Object.keys(written.commands).sort()).to.deep.equal(Object.keys(fresh.manifest.commands).sort());
    for (const [id, command] of Object.entries(fresh.manifest.commands)) {
      expect(Object.keys(written.commands[id]?.flags ?? {}).sort(), id).to.deep.equal(
        Object.keys(command.flags).sort(),
      );
    }
  });
});
