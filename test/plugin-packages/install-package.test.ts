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
    assert.match(error.message, /exists and is not a link/);
  });
});
