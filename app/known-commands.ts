import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from '../contract/zod.js';
import type { InstalledPlugin } from '../actors/router/installed.js';
import { commandInfoSchema, type PluginAnnouncement } from '../contract/messages/commands.js';
import { errorMessage } from '../contract/result.js';
import type { Logger } from '../contract/log.js';
import { validate } from '../contract/validate.js';
import type { LoadedPlugin } from '../plugin-packages/manifest.js';

/**
 * The commands each plugin declared when it last ran, kept in the data directory so that a
 * restarted router knows them before the plugins announce themselves (issue 28). Commands are
 * declared in the plugin's code, not its manifest: this is the only way to know them before it runs.
 */
export const knownCommandsFile = (dataDir: string) => join(dataDir, 'plugin-commands.json');

const fileSchema = z.record(
  z.string(),
  z.object({ version: z.string(), commands: z.array(commandInfoSchema) }),
);
type Known = z.infer<typeof fileSchema>;

/** What the file holds; nothing when it is missing or unreadable (the plugins' announcements refill it). */
export function readKnownCommands(file: string): Known {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const checked = validate(fileSchema, JSON.parse(text));
    return checked.ok ? checked.data : {};
  } catch {
    return {};
  }
}

/** The plugins to run, each with the commands its version declared last time (none for a new version). */
export function installedPlugins(plugins: readonly LoadedPlugin[], known: Known): InstalledPlugin[] {
  return plugins.map(({ manifest: { name, version } }) => {
    const last = Object.hasOwn(known, name) ? known[name] : undefined;
    return last?.version === version ? { name, version, commands: last.commands } : { name, version };
  });
}

/** Records each announcement (write then rename: a kill -9 never leaves half a file). */
export function commandsRecorder(file: string, logger: Logger): (a: PluginAnnouncement) => void {
  let known = readKnownCommands(file);
  return (a) => {
    const before = Object.hasOwn(known, a.plugin) ? known[a.plugin] : undefined;
    if (before?.version === a.version && JSON.stringify(before.commands) === JSON.stringify(a.commands))
      return;
    known = { ...known, [a.plugin]: { version: a.version, commands: a.commands } };
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(known));
      renameSync(tmp, file);
    } catch (error) {
      logger.warn(`could not record ${a.plugin}'s commands in ${file}: ${errorMessage(error)}`);
    }
  };
}
