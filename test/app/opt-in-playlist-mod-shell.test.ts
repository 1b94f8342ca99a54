import { expect } from 'chai';
import { withoutUnwantedBuiltins } from '../../app/opt-in-builtins.js';
import { BUILTIN_PLUGINS_DIR } from '../../app/start-rosey.js';
import { discoverPlugins } from '../../plugin-packages/manifest.js';

describe('opt-in built-in plugins: playlist and mod-shell', () => {
  const builtins = discoverPlugins([BUILTIN_PLUGINS_DIR]).plugins;
  const names = (enable: string[]) =>
    withoutUnwantedBuiltins(builtins, { plugins: { enable } }).map((p) => p.manifest.name);

  it("runs them only when plugins.enable names them: they lend the bot's rank to the chat", () => {
    expect(builtins.map((p) => p.manifest.name)).to.include.members(['playlist', 'mod-shell']);
    expect(names([])).to.not.include.members(['playlist']);
    expect(names([])).to.not.include.members(['mod-shell']);
    expect(names(['playlist']))
      .to.include('playlist')
      .and.not.include('mod-shell');
    expect(names(['mod-shell', 'playlist'])).to.include.members(['playlist', 'mod-shell']);
  });
});
