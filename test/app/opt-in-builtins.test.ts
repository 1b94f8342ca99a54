import { expect } from 'chai';
import { withoutUnwantedBuiltins } from '../../app/opt-in-builtins.js';
import { BUILTIN_PLUGINS_DIR } from '../../app/start-rosey.js';
import { discoverPlugins } from '../../plugin-packages/manifest.js';

describe('opt-in built-in plugins', () => {
  const builtins = discoverPlugins([BUILTIN_PLUGINS_DIR]).plugins;
  const names = (plugins: typeof builtins) => plugins.map((p) => p.manifest.name).sort();

  it('leaves markov out unless plugins.enable names it: it keeps what everyone says', () => {
    expect(names(builtins)).to.include('markov');
    expect(names(withoutUnwantedBuiltins(builtins, { plugins: { enable: [] } }))).to.deep.equal([
      'chat-stats',
      'countdown',
      'dice',
      'magic-8ball',
      'quote-db',
      'trivia',
    ]);
    expect(names(withoutUnwantedBuiltins(builtins, { plugins: { enable: ['markov'] } }))).to.include(
      'markov',
    );
  });

  it('keeps a plugin of that name installed elsewhere: the operator chose it', () => {
    const markov = builtins.find((p) => p.manifest.name === 'markov')!;
    const installed = { ...markov, dir: '/srv/rosey/data/plugins/markov' };
    expect(names(withoutUnwantedBuiltins([installed], { plugins: { enable: [] } }))).to.deep.equal([
      'markov',
    ]);
  });
});
