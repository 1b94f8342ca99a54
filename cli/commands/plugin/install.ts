import { Args, Flags } from '@oclif/core';
import { readFile, rename } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseYaml } from '../../../contract/yaml.js';
import { buildPackage } from '../../../plugin-packages/build-package.js';
import { installPlugin } from '../../../plugin-packages/install-package.js';
import { loadPlugin, MANIFEST_FILE } from '../../../plugin-packages/manifest.js';
import { PLUGIN_NAME } from '../../../contract/subjects.js';
import { installedPluginsDir, readDisabled } from '../../../plugin-packages/plugin-switches.js';
import { errorMessage } from '../../../contract/result.js';
import { pluginStartReplySchema, reloadReplySchema } from '../../../contract/messages/plugins.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags, natsFlags, targetFor } from '../../config-flags.js';
import { checkoutGitSource, isGitSource } from '../../git-source.js';
import { checkPluginLoads } from '../../plugin-load-check.js';
import { managerCall, runningPlugin, runningRosey } from '../../plugin-cli.js';

export default class PluginInstall extends RoseyCommand {
  static override summary =
    'Install a plugin from a .roseyplug package, a folder or a git repository; start or upgrade it if Rosey runs.';

  static override description = `A git repository is cloned at --ref (a tag, branch or commit), its code checked as \`rosey plugin build\` does and packed the same way, then installed like a package. Verifies the source (manifest, checksums, no paths leaving the package, no links, size limits), refuses a lower version than the installed one unless --force, and puts it in <dataDir>/plugins/<name> (installed plugins come before built-in ones). If Rosey is running, a new plugin is started (with its own NATS user and permissions) and a running one is upgraded blue-green, without dropping a command. If that fails, the previous version is put back and keeps serving.`;

  static override examples = [
    '<%= config.bin %> plugin install greeter-0.1.0.roseyplug',
    '<%= config.bin %> plugin install ./greeter',
    '<%= config.bin %> plugin install greeter-0.1.0.roseyplug --force',
    '<%= config.bin %> plugin install https://github.com/user/markov-chat --ref v1.2.0',
  ];

  static override args = {
    source: Args.string({
      description: 'A .roseyplug file, a plugin folder, or a git repository (URL, or path to a bare one).',
      required: true,
    }),
  };

  static override flags = {
    force: Flags.boolean({ description: 'Install even a lower version than the installed one.' }),
    ref: Flags.string({
      description:
        "With a git repository: the tag, branch or commit to install (default: its default branch's head).",
      helpValue: 'REF',
    }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginInstall);
    const fail = (m: string) => this.fail(m);
    const loaded = configFor(flags, {}, fail);
    const target = runningRosey(flags, fail) ? targetFor(flags, fail) : undefined;
    const disabled = new Set([...loaded.config.plugins.disabled, ...readDisabled(loaded.dataDir)]);
    let live = '';
    let source = args.source;
    let from = '';
    let checkout: Awaited<ReturnType<typeof checkoutGitSource>> | undefined;
    if (isGitSource(args.source)) {
      try {
        checkout = await checkoutGitSource(args.source, flags.ref);
        const plugin = loadPlugin(await namedAfterManifest(checkout.dir));
        await checkPluginLoads(plugin);
        source = (await buildPackage(plugin.dir, join(plugin.dir, '..', 'package.roseyplug'))).file;
        from = ` from ${args.source} (${flags.ref ? `${flags.ref}, ` : ''}commit ${checkout.commit.slice(0, 12)})`;
      } catch (error) {
        await checkout?.remove();
        return this.fail(errorMessage(error));
      }
    } else if (flags.ref) {
      return this.fail(`--ref is for a git repository; ${args.source} is a package file or a folder`);
    }
    try {
      const installed = await installPlugin(source, installedPluginsDir(loaded.dataDir), {
        force: flags.force,
        afterSwap: async (dir) => {
          if (!target) return;
          const name = dir.split(/[\\/]/).pop()!;
          if (disabled.has(name)) return;
          const running = await runningPlugin(target, name);
          if (running) {
            const outcome = await managerCall(target, 'reload', { plugin: name, dir }, reloadReplySchema);
            live = `; upgraded the running ${outcome.from.version} blue-green: serving after ${outcome.switchedAfterMs} ms (generation ${outcome.to.generation})`;
          } else {
            await managerCall(target, 'start', { dir }, pluginStartReplySchema);
            live = '; started it';
          }
        },
      });
      const was = installed.previousVersion ? ` (was ${installed.previousVersion})` : '';
      const where = relative(process.cwd(), installed.dir) || installed.dir;
      const later = disabled.has(installed.name)
        ? `; it is disabled: \`rosey plugin enable ${installed.name}\``
        : target
          ? live
          : '; it starts with Rosey';
      this.log(`installed ${installed.name} ${installed.version}${was}${from} in ${where}${later}`);
    } catch (error) {
      this.fail(errorMessage(error));
    } finally {
      await checkout?.remove();
    }
  }
}

/**
 * A plugin's folder is named after it (manifest.yaml's `name`), and a clone's is not: the checkout
 * is renamed so (a name that is not a plugin name is left for loadPlugin to refuse).
 */
async function namedAfterManifest(dir: string): Promise<string> {
  let name: unknown;
  try {
    name = (parseYaml(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as { name?: unknown } | null)?.name;
  } catch {
    return dir;
  }
  if (typeof name !== 'string' || !PLUGIN_NAME.test(name)) return dir;
  const named = join(dirname(dir), name);
  await rename(dir, named);
  return named;
}
