import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseYaml } from '../../contract/yaml.js';
import { errorMessage } from '../../contract/result.js';
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
    for (const bad of [
      '01.0.0',
      '1.0.0-01',
      '9007199254740992.0.0',
      'v1.0.0',
      ' 1.0.0',
      '1.0.0 ',
      '1.0',
      '1.0.0-',
    ]) {
      expect(version.safeParse(bad).success, bad).to.equal(false);
    }
    // The shape is right, semver refuses it: the same words as for a wrong shape.
    expect(() =>
      loadPlugin(plugin(tempDir(), 'zeros', 'name: zeros\nversion: 01.0.0\nentry: index.js\n')),
    ).to.throw(/zeros\/manifest\.yaml: version: a semantic version like 1\.2\.0$/);
  });

  it('names the known permissions when a manifest asks for an unknown one', () => {
    const dir = plugin(
      tempDir(),
      'asks',
      'name: asks\nversion: 1.0.0\nentry: index.js\npermissions: [kick]\n',
    );
    expect(() => loadPlugin(dir)).to.throw(
      "unknown permission 'kick' (known: chat.send, chat.pm, playlist.add, playlist.delete, playlist.move, users.kick, users.afk, channel.read, storage, events.chat, events.users, events.media, net.http)",
    );
  });

  it('takes each restart type as written', () => {
    const root = tempDir();
    for (const restart of ['permanent', 'transient', 'temporary']) {
      const name = `r-${restart}`;
      const dir = plugin(root, name, `name: ${name}\nversion: 1.0.0\nentry: index.js\nrestart: ${restart}\n`);
      expect(loadPlugin(dir).manifest.restart).to.equal(restart);
    }
  });

  it('shows the first line of the YAML parser’s complaint', () => {
    const text = 'name: [x\n';
    let expected = '';
    try {
      parseYaml(text);
    } catch (error) {
      expected = errorMessage(error).split('\n')[0] ?? '';
    }
    expect(expected).to.have.length.greaterThan(20);
    const dir = plugin(tempDir(), 'badyaml', text);
    expect(() => loadPlugin(dir)).to.throw(`badyaml/manifest.yaml: not valid YAML: ${expected}`);
  });

  it('refuses migrations without the storage permission, and takes them with it', () => {
    const root = tempDir();
    const withMigrations = (name: string, extra: string) => {
      const dir = plugin(root, name, `name: ${name}\nversion: 1.0.0\nentry: index.js\n${extra}`);
      mkdirSync(join(dir, 'migrations'));
      return dir;
    };
    expect(() => loadPlugin(withMigrations('nostore', 'permissions: [chat.send]\n'))).to.throw(
      "nostore/manifest.yaml: the plugin has migrations but does not ask for the 'storage' permission",
    );
    expect(
      loadPlugin(withMigrations('store', 'permissions: [storage]\n')).manifest.permissions,
    ).to.deep.equal(['storage']);
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

  it('discovers different plugins from several folders, and ignores a second one of the same name', () => {
    const first = tempDir();
    const second = tempDir();
    plugin(first, 'alpha', 'name: alpha\nversion: 1.0.0\nentry: index.js\n');
    plugin(second, 'alpha', 'name: alpha\nversion: 2.0.0\nentry: index.js\n');
    plugin(second, 'beta', 'name: beta\nversion: 1.0.0\nentry: index.js\n');
    const found = discoverPlugins([first, second]);
    expect(found.plugins.map((p) => `${p.manifest.name}@${p.manifest.version}`)).to.deep.equal([
      'alpha@1.0.0',
      'beta@1.0.0',
    ]);
    expect(found.problems).to.deep.equal([
      `${join(second, 'alpha')}: plugin 'alpha' is already loaded from ${join(first, 'alpha')}; ignored`,
    ]);
  });

  it('takes every numeric setting at both ends of its range and refuses one step past', () => {
    const root = tempDir();
    const load = (name: string, extra: string) =>
      loadPlugin(plugin(root, name, `name: ${name}\nversion: 1.0.0\nentry: index.js\n${extra}`));
    const lowest = load(
      'lowest',
      'memoryMb: 16\nsupervision:\n  intensity: 0\n  period: 0.001\n  backoff: {minMs: 0, maxMs: 0, randomFactor: 0, resetAfterMs: 0}\n',
    );
    expect(lowest.manifest.memoryMb).to.equal(16);
    expect(lowest.manifest.supervision).to.deep.equal({
      intensity: 0,
      period: 0.001,
      backoff: { minMs: 0, maxMs: 0, randomFactor: 0, resetAfterMs: 0 },
    });
    const highest = load(
      'highest',
      `memoryMb: 4096\ndescription: ${'d'.repeat(300)}\nauthor: ${'a'.repeat(100)}\nsupervision:\n  intensity: 100\n  period: 3600\n  backoff: {minMs: 7, maxMs: 9, randomFactor: 1, resetAfterMs: 11}\n`,
    );
    expect(highest.manifest).to.deep.include({
      memoryMb: 4096,
      description: 'd'.repeat(300),
      author: 'a'.repeat(100),
    });
    expect(highest.manifest.supervision).to.deep.equal({
      intensity: 100,
      period: 3600,
      backoff: { minMs: 7, maxMs: 9, randomFactor: 1, resetAfterMs: 11 },
    });
    const past: Array<[string, RegExp]> = [
      ['memoryMb: 15', /memoryMb/],
      ['memoryMb: 4097', /memoryMb/],
      ['memoryMb: 16.5', /memoryMb/],
      [`description: ${'d'.repeat(301)}`, /description/],
      [`author: ${'a'.repeat(101)}`, /author/],
      ['restart: sometimes', /restart/],
      ['supervision: {intensity: -1}', /supervision\.intensity/],
      ['supervision: {intensity: 101}', /supervision\.intensity/],
      ['supervision: {period: 0}', /supervision\.period/],
      ['supervision: {period: 3601}', /supervision\.period/],
      ['supervision: {backoff: {minMs: -1}}', /supervision\.backoff\.minMs/],
      ['supervision: {backoff: {maxMs: -1}}', /supervision\.backoff\.maxMs/],
      ['supervision: {backoff: {randomFactor: -0.1}}', /randomFactor/],
      ['supervision: {backoff: {randomFactor: 1.1}}', /randomFactor/],
      ['supervision: {backoff: {resetAfterMs: -1}}', /resetAfterMs/],
      ['supervision: {backoff: {jitter: 1}}', /jitter/],
      ['supervision: {restarts: 1}', /restarts/],
    ];
    past.forEach(([line, pattern], i) => {
      expect(() => load(`past-${i}`, `${line}\n`), line).to.throw(pattern);
    });
    expect(() => loadPlugin(plugin(root, 'noentry', 'name: noentry\nversion: 1.0.0\nentry: ""\n'))).to.throw(
      /noentry\/manifest\.yaml: entry/,
    );
  });

  it('defaults what a manifest leaves out', () => {
    const dir = plugin(tempDir(), 'bare', 'name: bare\nversion: 1.0.0\n', ['index.ts']);
    const { manifest } = loadPlugin(dir);
    expect(manifest).to.deep.include({
      description: '',
      entry: 'index.ts',
      restart: 'permanent',
      permissions: [],
    });
    expect(manifest).to.not.have.property('author');
  });

  it('refuses an empty manifest for its missing keys, and entries that leave the folder or do not exist', () => {
    const root = tempDir();
    expect(() => loadPlugin(plugin(root, 'empty', ''))).to.throw(/empty\/manifest\.yaml: name/);
    const outside = (name: string, entry: string) =>
      plugin(root, name, `name: ${name}\nversion: 1.0.0\nentry: ${entry}\n`);
    // A sibling folder whose name starts with this one's is outside it too.
    plugin(root, 'sibx', undefined, ['index.js']);
    expect(() => loadPlugin(outside('sib', '../sibx/index.js'))).to.throw(
      /entry must stay inside the plugin folder/,
    );
    expect(() => loadPlugin(outside('dot', '.'))).to.throw(/entry must stay inside the plugin folder/);
    // Only a `.ts` entry may run as its `.js` twin.
    expect(() =>
      loadPlugin(plugin(root, 'tsx', 'name: tsx\nversion: 1.0.0\nentry: main.tsx\n', ['main.jsx'])),
    ).to.throw(/entry main\.tsx does not exist/);
  });

  it('skips node_modules, dot-folders and files when discovering, and reports problems in name order', () => {
    const root = tempDir();
    plugin(root, 'node_modules', undefined, []);
    // Made in name order: a file system listing by creation (or its reverse, or by hash) shows
    // whether discovery sorts.
    const names = ['p-a', 'p-b', 'p-c', 'p-d', 'p-e', 'p-f'];
    for (const name of names) plugin(root, name, `name: ${name}\n`);
    const found = discoverPlugins([root]);
    expect(found.plugins).to.deep.equal([]);
    expect(found.problems.map((problem) => /p-[a-f]/.exec(problem)?.[0])).to.deep.equal(names);
  });

  it('orders folders by code unit, which is not the byte order a file system lists them in', () => {
    // U+FFFD is one UTF-16 unit (FFFD), U+1F600 two (D83D DE00): by code unit the emoji comes
    // first; by UTF-8 bytes (EF… against F0…), the order Linux lists them in, it comes last.
    const root = tempDir();
    const names = ['\u{1F600}', '\uFFFD'];
    for (const name of [...names].reverse()) plugin(root, name, undefined);
    const found = discoverPlugins([root]);
    expect(found.problems).to.deep.equal(
      names.map((name) => `${relative(process.cwd(), join(root, name))}: no manifest.yaml`),
    );
  });
});
