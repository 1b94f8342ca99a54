import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage } from '../../plugin-packages/build-package.js';
import {
  installedVersion,
  installPlugin,
  linkRoseySdk,
  removePlugin,
  roseyPackageRoot,
} from '../../plugin-packages/install-package.js';
import { gzipPackage } from '../../plugin-packages/tar.js';
import { writeTar } from '../support/craft-tar.js';
import { tempDir } from '../support/nats.js';
import { packageFailure } from '../support/package-failure.js';
import { deepDir, escapeRegExp } from './long-paths.js';

/** A plugin folder `<root>/<name>` at `version`, with `index.js` saying which version it is. */
function pluginFolder(
  root: string,
  name: string,
  version: string,
  extra: Record<string, string> = {},
): string {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  const files = {
    'manifest.yaml': `name: ${name}\nversion: ${version}\nentry: index.js\n`,
    'index.js': `export default { version: '${version}' };\n`,
    ...extra,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A `.roseyplug` of `name` at `version`, built from a folder in its own temp dir. */
async function packageOf(name: string, version: string, extra: Record<string, string> = {}): Promise<string> {
  const built = await buildPackage(pluginFolder(tempDir(), name, version, extra));
  return built.file;
}

function indexOf(pluginsDir: string, name: string): string {
  return readFileSync(join(pluginsDir, name, 'index.js'), 'utf8');
}

/** Nothing but the plugin folders: no staging or old folders left over. */
function assertOnly(pluginsDir: string, names: string[]): void {
  assert.deepEqual(readdirSync(pluginsDir).sort(), names.sort());
}

describe('installing plugins', () => {
  it('installs a package, links rosey/sdk into it, and reports the version', async () => {
    const pluginsDir = join(tempDir(), 'plugins');
    const result = await installPlugin(await packageOf('greeter', '1.0.0'), pluginsDir);

    assert.deepEqual(result, { name: 'greeter', version: '1.0.0', dir: join(pluginsDir, 'greeter') });
    assert.equal(installedVersion('greeter', pluginsDir), '1.0.0');
    assert.equal(indexOf(pluginsDir, 'greeter'), "export default { version: '1.0.0' };\n");
    assert.ok(existsSync(join(pluginsDir, 'greeter', 'CHECKSUMS')));
    assertOnly(pluginsDir, ['greeter']);

    const link = join(pluginsDir, 'greeter', 'node_modules', 'rosey');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(realpathSync(link), realpathSync(roseyPackageRoot()));
    const resolved = createRequire(join(pluginsDir, 'greeter', 'index.js')).resolve('rosey/sdk');
    assert.equal(resolved, join(realpathSync(roseyPackageRoot()), 'dist', 'sdk', 'index.js'));
  });

  it('upgrades, reinstalls the same version, refuses a downgrade, and downgrades with force', async () => {
    const pluginsDir = tempDir();
    await installPlugin(await packageOf('greeter', '1.1.0', { 'old-only.js': 'x' }), pluginsDir);

    const upgraded = await installPlugin(await packageOf('greeter', '1.2.0'), pluginsDir);
    assert.equal(upgraded.previousVersion, '1.1.0');
    assert.equal(upgraded.version, '1.2.0');
    assert.equal(indexOf(pluginsDir, 'greeter'), "export default { version: '1.2.0' };\n");
    assert.ok(
      !existsSync(join(pluginsDir, 'greeter', 'old-only.js')),
      'files of the old version stay behind',
    );

    const reinstalled = await installPlugin(await packageOf('greeter', '1.2.0'), pluginsDir);
    assert.deepEqual([reinstalled.previousVersion, reinstalled.version], ['1.2.0', '1.2.0']);

    const refused = await packageFailure(installPlugin(await packageOf('greeter', '1.1.0'), pluginsDir));
    assert.equal(refused.code, 'DOWNGRADE');
    assert.equal(
      refused.message,
      'greeter 1.2.0 is installed; installing 1.1.0 would downgrade it: use --force',
    );
    assert.equal(installedVersion('greeter', pluginsDir), '1.2.0');

    const preRelease = await packageFailure(
      installPlugin(await packageOf('greeter', '1.2.0-rc.1'), pluginsDir),
    );
    assert.equal(preRelease.code, 'DOWNGRADE');

    const forced = await installPlugin(await packageOf('greeter', '1.1.0'), pluginsDir, { force: true });
    assert.deepEqual([forced.previousVersion, forced.version], ['1.2.0', '1.1.0']);
    assert.equal(indexOf(pluginsDir, 'greeter'), "export default { version: '1.1.0' };\n");
    assertOnly(pluginsDir, ['greeter']);
  });

  it('tells a downgrade by semver precedence: numbers as numbers, pre-releases below, build metadata ignored', async () => {
    // Each of these is wrong when versions are compared as text or by their numbers alone.
    const pluginsDir = tempDir();
    const install = (version: string) =>
      installPlugin(pluginFolder(tempDir(), 'greeter', version), pluginsDir);
    await install('1.10.0');
    assert.equal((await packageFailure(install('1.9.0'))).code, 'DOWNGRADE');
    const sameBuild = await install('1.10.0+build.7');
    assert.deepEqual([sameBuild.previousVersion, sameBuild.version], ['1.10.0', '1.10.0+build.7']);
    assert.equal((await packageFailure(install('1.10.0-rc.1'))).code, 'DOWNGRADE');
    await install('2.0.0-beta.2');
    const beta11 = await install('2.0.0-beta.11');
    assert.equal(beta11.previousVersion, '2.0.0-beta.2');
    assert.equal((await packageFailure(install('2.0.0-beta.2'))).code, 'DOWNGRADE');
    assert.equal((await packageFailure(install('2.0.0-alpha'))).code, 'DOWNGRADE');
  });

  it('installs from a folder, without its node_modules, .git and dotfiles', async () => {
    const pluginsDir = tempDir();
    const source = pluginFolder(tempDir(), 'greeter', '2.0.0', {
      'lib/words.js': 'export {};\n',
      'node_modules/dep/index.js': 'x',
      '.git/HEAD': 'ref',
      '.env': 'SECRET=1',
    });
    const result = await installPlugin(source, pluginsDir);
    assert.equal(result.version, '2.0.0');
    const installed = join(pluginsDir, 'greeter');
    assert.deepEqual(readdirSync(installed).sort(), ['index.js', 'lib', 'manifest.yaml', 'node_modules']);
    assert.deepEqual(readdirSync(join(installed, 'node_modules')), ['rosey']);
    assert.equal(readFileSync(join(installed, 'lib', 'words.js'), 'utf8'), 'export {};\n');
    assert.ok(existsSync(join(source, 'node_modules', 'dep', 'index.js')), 'the source folder is left alone');
  });

  it('removes a plugin, its SDK link but not what the link points at', async () => {
    const pluginsDir = tempDir();
    await installPlugin(await packageOf('greeter', '1.0.0'), pluginsDir);
    await installPlugin(await packageOf('other', '1.0.0'), pluginsDir);

    const removed = await removePlugin('greeter', pluginsDir);
    assert.deepEqual(removed, { name: 'greeter', version: '1.0.0', dir: join(pluginsDir, 'greeter') });
    assertOnly(pluginsDir, ['other']);
    assert.equal(installedVersion('greeter', pluginsDir), undefined);
    assert.ok(existsSync(join(roseyPackageRoot(), 'package.json')));

    const again = await packageFailure(removePlugin('greeter', pluginsDir));
    assert.equal(again.code, 'NOT_FOUND');
    assert.match(again.message, /no plugin greeter is installed/);
  });

  it('removes only plugins: not a path, not a folder without a manifest', async () => {
    const root = tempDir();
    const pluginsDir = join(root, 'plugins');
    mkdirSync(join(pluginsDir, 'photos'), { recursive: true });
    mkdirSync(join(root, 'precious'));
    writeFileSync(join(root, 'precious', 'manifest.yaml'), 'name: precious\nversion: 1.0.0\n');

    const climbing = await packageFailure(removePlugin('../precious', pluginsDir));
    assert.equal(climbing.code, 'NOT_FOUND');
    assert.match(climbing.message, /"\.\.\/precious" is not a plugin name/);
    assert.ok(existsSync(join(root, 'precious', 'manifest.yaml')));

    const notPlugin = await packageFailure(removePlugin('photos', pluginsDir));
    assert.equal(notPlugin.code, 'NOT_FOUND');
    assert.ok(existsSync(join(pluginsDir, 'photos')));
  });

  it('keeps the installed version when the last check before the switch fails', async () => {
    const pluginsDir = tempDir();
    await installPlugin(await packageOf('greeter', '1.0.0'), pluginsDir);
    let staged = '';
    const error = await packageFailure(
      installPlugin(await packageOf('greeter', '1.1.0'), pluginsDir, {
        beforeSwap: (dir) => {
          staged = dir;
          throw new Error('its tests failed');
        },
      }),
    );
    assert.equal(error.code, 'ABORTED');
    assert.equal(error.message, 'greeter 1.1.0 was not installed: its tests failed');
    assert.ok(error.cause instanceof Error);
    assert.equal(error.cause.message, 'its tests failed');
    assert.ok(staged.startsWith(join(pluginsDir, '.staging-')), staged);
    assert.equal(installedVersion('greeter', pluginsDir), '1.0.0');
    assert.equal(indexOf(pluginsDir, 'greeter'), "export default { version: '1.0.0' };\n");
    assertOnly(pluginsDir, ['greeter']);
  });

  it('puts the old version back when the new one cannot be moved in', async () => {
    const pluginsDir = tempDir();
    await installPlugin(await packageOf('greeter', '1.0.0', { 'keep.txt': 'old' }), pluginsDir);
    // Removing the staged copy makes the switch's rename fail after the old folder moved aside.
    const error = await packageFailure(
      installPlugin(await packageOf('greeter', '1.1.0'), pluginsDir, {
        beforeSwap: (dir) => rmSync(dir, { recursive: true }),
      }),
    );
    assert.equal(error.code, 'IO_ERROR');
    assert.match(error.message, /^could not install .*greeter-1\.1\.0\.roseyplug: ENOENT/);
    assert.equal(installedVersion('greeter', pluginsDir), '1.0.0');
    assert.equal(readFileSync(join(pluginsDir, 'greeter', 'keep.txt'), 'utf8'), 'old');
    assertOnly(pluginsDir, ['greeter']);
  });

  it('keeps the installed version when the new package is refused', async () => {
    const pluginsDir = tempDir();
    await installPlugin(await packageOf('greeter', '1.0.0'), pluginsDir);
    const hostile = join(tempDir(), 'greeter-9.9.9.roseyplug');
    writeFileSync(
      hostile,
      await gzipPackage(
        writeTar([{ path: '../greeter/index.js', type: 'file', data: Buffer.from('pwned') }]),
      ),
    );
    const error = await packageFailure(installPlugin(hostile, pluginsDir));
    assert.equal(error.code, 'UNSAFE_PATH');
    assert.equal(indexOf(pluginsDir, 'greeter'), "export default { version: '1.0.0' };\n");
    assertOnly(pluginsDir, ['greeter']);
  });

  it('refuses a source that does not exist', async () => {
    const pluginsDir = tempDir();
    const error = await packageFailure(installPlugin(join(pluginsDir, 'nothere.roseyplug'), pluginsDir));
    assert.equal(error.code, 'NOT_FOUND');
    assert.equal(error.message, `${join(pluginsDir, 'nothere.roseyplug')}: no such file or folder`);
    assertOnly(pluginsDir, []);
  });

  it('links the SDK again over an earlier link, but not over a real folder', async () => {
    const dir = tempDir();
    const link = await linkRoseySdk(dir);
    assert.equal(await linkRoseySdk(dir), link);
    assert.equal(realpathSync(link), realpathSync(roseyPackageRoot()));

    const other = tempDir();
    mkdirSync(join(other, 'node_modules', 'rosey'), { recursive: true });
    const error = await packageFailure(linkRoseySdk(other));
    assert.equal(error.code, 'IO_ERROR');
    assert.match(error.message, /exists and is not a link/);
  });

  it('refuses a plugins folder that cannot be made', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    const pluginsDir = join(file, 'plugins');
    const error = await packageFailure(installPlugin(await packageOf('greeter', '1.0.0'), pluginsDir));
    assert.equal(error.code, 'IO_ERROR');
    assert.match(
      error.message,
      new RegExp(`^could not make the plugins folder ${escapeRegExp(pluginsDir)}: ENOTDIR`),
    );
  });

  it('reads a package with the limits it is given', async () => {
    const pluginsDir = tempDir();
    const error = await packageFailure(
      installPlugin(await packageOf('greeter', '1.0.0'), pluginsDir, { limits: { maxEntries: 2 } }),
    );
    assert.equal(error.code, 'TOO_LARGE');
    assert.match(error.message, /more than 2 entries/);
    assertOnly(pluginsDir, []);
  });

  it('refuses a folder source that loadPlugin refuses, keeping its error as the cause', async () => {
    const pluginsDir = tempDir();
    const source = pluginFolder(tempDir(), 'greeter', '1.0.0', {
      'manifest.yaml': 'name: other\nversion: 1.0.0\n',
    });
    const error = await packageFailure(installPlugin(source, pluginsDir));
    assert.equal(error.code, 'BAD_MANIFEST');
    assert.match(error.message, /name 'other' must match the folder name 'greeter'/);
    assert.ok(error.cause instanceof Error);
    assert.equal(error.cause.message, error.message);
    assertOnly(pluginsDir, []);
  });

  describe('from a folder, when the file system refuses', () => {
    // Run as root, a test cannot take a permission away; a path past the system's limit (4096)
    // fails the same way for anyone.
    it('no staging folder can be made in the plugins folder', async () => {
      const pluginsDir = deepDir(4085);
      const source = pluginFolder(tempDir(), 'greeter', '1.0.0');
      const error = await packageFailure(installPlugin(source, pluginsDir));
      assert.equal(error.code, 'IO_ERROR');
      assert.match(
        error.message,
        new RegExp(`^could not make a staging folder in ${escapeRegExp(pluginsDir)}: ENAMETOOLONG`),
      );
      assertOnly(pluginsDir, []);
    });

    it('a file cannot be copied: the staging folder is removed', async () => {
      const pluginsDir = deepDir(4000);
      const source = pluginFolder(tempDir(), 'greeter', '1.0.0', { ['x'.repeat(99)]: 'x' });
      const error = await packageFailure(installPlugin(source, pluginsDir));
      assert.equal(error.code, 'IO_ERROR');
      assert.match(error.message, new RegExp(`^could not copy ${escapeRegExp(source)}: ENAMETOOLONG`));
      assertOnly(pluginsDir, []);
    });
  });

  it('reports a plugin it cannot move away for removal, and leaves it installed', async () => {
    // Deep enough that `<plugins>/a/manifest.yaml` is a valid path and `<plugins>/.old-<12 hex>` is not.
    const pluginsDir = deepDir(4078);
    mkdirSync(join(pluginsDir, 'a'));
    writeFileSync(join(pluginsDir, 'a', 'manifest.yaml'), 'name: a\nversion: 1.0.0\n');
    const error = await packageFailure(removePlugin('a', pluginsDir));
    assert.equal(error.code, 'IO_ERROR');
    assert.match(
      error.message,
      new RegExp(`^could not remove ${escapeRegExp(join(pluginsDir, 'a'))}: ENAMETOOLONG`),
    );
    assert.equal(installedVersion('a', pluginsDir), '1.0.0');
  });

  it('a first install whose switch fails installs nothing, and says why', async () => {
    const pluginsDir = tempDir();
    // The whole staging folder gone, not only the plugin in it: the cleanup after the failure
    // must not fail on it either.
    const error = await packageFailure(
      installPlugin(await packageOf('greeter', '1.0.0'), pluginsDir, {
        beforeSwap: (dir) => rmSync(dirname(dir), { recursive: true }),
      }),
    );
    assert.equal(error.code, 'IO_ERROR');
    assert.match(error.message, /^could not install .*greeter-1\.0\.0\.roseyplug: ENOENT/);
    assertOnly(pluginsDir, []);
  });

  describe('bringing the new version live after the switch', () => {
    it('is called with the installed folder, the new version in place', async () => {
      const pluginsDir = tempDir();
      await installPlugin(await packageOf('greeter', '1.0.0'), pluginsDir);
      const seen: string[] = [];
      await installPlugin(await packageOf('greeter', '1.1.0'), pluginsDir, {
        afterSwap: (dir) => {
          seen.push(dir, installedVersion('greeter', pluginsDir) ?? 'none');
        },
      });
      assert.deepEqual(seen, [join(pluginsDir, 'greeter'), '1.1.0']);
      assertOnly(pluginsDir, ['greeter']);
    });

    it('puts the previous version back when it fails', async () => {
      const pluginsDir = tempDir();
      await installPlugin(await packageOf('greeter', '1.0.0', { 'keep.txt': 'old' }), pluginsDir);
      const failure = new Error('the new version did not start');
      const error = await packageFailure(
        installPlugin(await packageOf('greeter', '1.1.0'), pluginsDir, {
          afterSwap: () => {
            throw failure;
          },
        }),
      );
      assert.equal(error.code, 'ABORTED');
      assert.equal(error.message, 'the new version did not start; the previous version is back in place');
      assert.equal(error.cause, failure);
      assert.equal(installedVersion('greeter', pluginsDir), '1.0.0');
      assert.equal(readFileSync(join(pluginsDir, 'greeter', 'keep.txt'), 'utf8'), 'old');
      assertOnly(pluginsDir, ['greeter']);
    });

    it('leaves nothing installed when a first install fails it', async () => {
      const pluginsDir = tempDir();
      const error = await packageFailure(
        installPlugin(await packageOf('greeter', '1.0.0'), pluginsDir, {
          afterSwap: () => {
            throw new Error('it did not start');
          },
        }),
      );
      assert.equal(error.code, 'ABORTED');
      assert.equal(error.message, 'it did not start; nothing was installed');
      assertOnly(pluginsDir, []);
    });
  });

  describe('an installed version that cannot be read', () => {
    const manifests: Array<[string, string]> = [
      ['empty', ''],
      ['null', 'null\n'],
      ['a string', 'just words\n'],
      ['a number', '42\n'],
      ['a list', '- version\n'],
      ['no version', 'name: greeter\n'],
      ['a bad version', 'name: greeter\nversion: one\n'],
    ];
    for (const [name, manifest] of manifests) {
      it(`${name}: no version, and an install simply replaces it`, async () => {
        const pluginsDir = tempDir();
        mkdirSync(join(pluginsDir, 'greeter'));
        writeFileSync(join(pluginsDir, 'greeter', 'manifest.yaml'), manifest);
        assert.equal(installedVersion('greeter', pluginsDir), undefined);
        const installed = await installPlugin(await packageOf('greeter', '0.1.0'), pluginsDir);
        assert.deepEqual(installed, { name: 'greeter', version: '0.1.0', dir: join(pluginsDir, 'greeter') });
      });
    }

    it('is left out of what a removal reports', async () => {
      const pluginsDir = tempDir();
      mkdirSync(join(pluginsDir, 'greeter'));
      writeFileSync(join(pluginsDir, 'greeter', 'manifest.yaml'), 'name: greeter\n');
      assert.deepEqual(await removePlugin('greeter', pluginsDir), {
        name: 'greeter',
        dir: join(pluginsDir, 'greeter'),
      });
      assertOnly(pluginsDir, []);
    });
  });

  it('reads the version of a plugin name only, never of a path', () => {
    const root = tempDir();
    const pluginsDir = join(root, 'plugins');
    mkdirSync(join(root, 'precious'), { recursive: true });
    mkdirSync(pluginsDir);
    writeFileSync(join(root, 'precious', 'manifest.yaml'), 'name: precious\nversion: 1.0.0\n');
    assert.equal(installedVersion('../precious', pluginsDir), undefined);
  });

  it('finds Rosey’s package root on first use: the folder of the package.json named rosey', async () => {
    // A fresh copy of the module, so nothing is remembered from the other tests.
    const fresh = (await import(
      new URL(`../../plugin-packages/install-package.js?fresh=${Date.now()}`, import.meta.url).href
    )) as { roseyPackageRoot: typeof roseyPackageRoot };
    // This file is <root>/dist/test/plugin-packages/.
    const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
    assert.equal(fresh.roseyPackageRoot(), root);
    assert.equal(fresh.roseyPackageRoot(), root);
    assert.equal(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name,
      'rosey',
    );
  });
});
