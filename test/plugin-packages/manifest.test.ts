import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverPlugins, loadPlugin, manifestSchema } from '../../plugin-packages/manifest.js';
import { tempDir } from '../support/nats.js';

function plugin(root: string, name: string, manifest: string | undefined, files: string[] = ['index.js']) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (manifest !== undefined) writeFileSync(join(dir, 'manifest.yaml'), manifest);
  for (const file of files) writeFileSync(join(dir, file), 'export default {}');
  return dir;
}

describe('plugin manifests', () => {
  it('loads a valid manifest with defaults', () => {
    const root = tempDir();
    const dir = plugin(root, 'greeter', 'name: greeter\nversion: 1.2.3\nentry: index.js\n');
    const loaded = loadPlugin(dir);
    expect(loaded.manifest).to.deep.include({
      name: 'greeter',
      version: '1.2.3',
      restart: 'permanent',
      memoryMb: 128,
    });
    expect(loaded.manifest.supervision).to.deep.equal({
      intensity: 5,
      period: 30,
      backoff: { minMs: 50, maxMs: 5000, randomFactor: 0.2, resetAfterMs: 10_000 },
    });
    expect(loaded.entry).to.equal(join(dir, 'index.js'));
  });

  it('accepts a .ts entry that exists only compiled', () => {
    const dir = plugin(tempDir(), 'compiled', 'name: compiled\nversion: 1.0.0\nentry: index.ts\n', [
      'index.js',
    ]);
    expect(loadPlugin(dir).entry).to.equal(join(dir, 'index.ts'));
  });

  it('rejects bad manifests with one line naming the folder and the key', () => {
    const root = tempDir();
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['nomanifest', undefined, /nomanifest: no manifest\.yaml/],
      ['badyaml', 'name: [x', /badyaml\/manifest\.yaml: not valid YAML/],
      [
        'badversion',
        'name: badversion\nversion: one\n',
        /badversion\/manifest\.yaml: version: a semantic version/,
      ],
      ['mismatch', 'name: other\nversion: 1.0.0\n', /name 'other' must match the folder name 'mismatch'/],
      [
        'escape',
        'name: escape\nversion: 1.0.0\nentry: ../../etc/passwd\n',
        /entry must stay inside the plugin folder/,
      ],
      ['missing', 'name: missing\nversion: 1.0.0\nentry: nothere.js\n', /entry nothere\.js does not exist/],
      ['unknown', 'name: unknown\nversion: 1.0.0\nmemory: 5\n', /unknown\/manifest\.yaml: .*memory/],
      ['Bad_Name', 'name: Bad_Name\nversion: 1.0.0\n', /name: lower-case letters/],
    ];
    for (const [name, manifest, pattern] of cases) {
      const dir = plugin(root, name, manifest);
      let message = '';
      try {
        loadPlugin(dir);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, name).to.match(pattern);
      expect(message, name).to.not.include('\n');
    }
  });

  it('takes only versions semver can order, so an install can always tell a downgrade', () => {
    const version = manifestSchema.shape.version;
    for (const good of ['1.0.0', '0.0.1-alpha.1+build.5', '1.2.3-0', '10.20.30-rc.1.x-y']) {
      expect(version.safeParse(good).success, good).to.equal(true);
    }
    // Leading zeros and numbers past 2^53 fit the shape but semver cannot order them; `v1.0.0`
    // and spaces semver would take but a manifest does not.
    for (const bad of ['01.0.0', '1.0.0-01', '9007199254740992.0.0', 'v1.0.0', ' 1.0.0', '1.0', '1.0.0-']) {
      expect(version.safeParse(bad).success, bad).to.equal(false);
    }
  });

  it('discovers the good plugins, reports the broken ones, and keeps the first of a duplicate', () => {
    const first = tempDir();
    const second = tempDir();
    plugin(first, 'good', 'name: good\nversion: 1.0.0\nentry: index.js\n');
    plugin(first, 'broken', 'name: broken\n');
    plugin(first, '.hidden', 'nonsense');
    writeFileSync(join(first, 'stray-file.txt'), 'not a plugin');
    plugin(second, 'good', 'name: good\nversion: 2.0.0\nentry: index.js\n');
    const found = discoverPlugins([first, second, join(first, 'does-not-exist')]);
    expect(found.plugins.map((p) => `${p.manifest.name}@${p.manifest.version}`)).to.deep.equal([
      'good@1.0.0',
    ]);
    expect(found.problems).to.have.length(2);
    expect(found.problems[0]).to.match(/broken\/manifest\.yaml: version/);
    expect(found.problems[1]).to.match(/already loaded/);
  });
});
