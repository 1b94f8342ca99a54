import { expect } from 'chai';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  commandsRecorder,
  installedPlugins,
  knownCommandsFile,
  readKnownCommands,
} from '../../app/known-commands.js';
import { quietLogger } from '../../contract/log.js';
import type { PluginAnnouncement } from '../../contract/messages/commands.js';
import type { LoadedPlugin } from '../../plugin-packages/manifest.js';
import { tempDir } from '../support/nats.js';

const roll = { name: 'roll', usage: 'roll', description: '', minRank: 0, aliases: ['dice'] };
const announcement = (version: string): PluginAnnouncement => ({
  plugin: 'dice',
  generation: 1,
  version,
  pid: 1,
  commands: [roll],
});
const loaded = (name: string, version: string) =>
  ({ manifest: { name, version }, dir: '/x', entry: '/x/index.js' }) as unknown as LoadedPlugin;

// Issue 28: what a restarted router knows of each installed plugin's commands before it announces.
describe('known commands (<dataDir>/plugin-commands.json)', () => {
  it('remembers each announcement, and gives it back only for the same version', () => {
    const dir = tempDir();
    const file = knownCommandsFile(dir);
    expect(readKnownCommands(file)).to.deep.equal({});
    commandsRecorder(file, quietLogger)(announcement('1.0.0'));
    // A fresh recorder (the next start) keeps what the file holds.
    const next = commandsRecorder(file, quietLogger);
    next({ ...announcement('1.0.0'), plugin: 'other' });
    expect(Object.keys(readKnownCommands(file)).sort()).to.deep.equal(['dice', 'other']);
    expect(
      installedPlugins([loaded('dice', '1.0.0'), loaded('trivia', '2.0.0')], readKnownCommands(file)),
    ).to.deep.equal([
      { name: 'dice', version: '1.0.0', commands: [roll] },
      { name: 'trivia', version: '2.0.0' },
    ]);
    // An upgrade may declare other commands: nothing is assumed until it announces them.
    expect(installedPlugins([loaded('dice', '1.1.0')], readKnownCommands(file))).to.deep.equal([
      { name: 'dice', version: '1.1.0' },
    ]);
    expect(readdirSync(dir)).to.deep.equal(['plugin-commands.json']);
  });

  it('reads a damaged file as nothing known', () => {
    const file = knownCommandsFile(tempDir());
    writeFileSync(file, '{"dice": {"version": "1.0.0", "comm');
    expect(readKnownCommands(file)).to.deep.equal({});
    writeFileSync(file, '{"dice": {"version": 1}}');
    expect(readKnownCommands(file)).to.deep.equal({});
    writeFileSync(join(file), '[]');
    expect(readKnownCommands(file)).to.deep.equal({});
  });
});
