import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { discoverPlugins } from '../../plugin-packages/manifest.js';

/**
 * The benchmarks' own plugins must load as Rosey loads plugins. Nothing else runs them: when the
 * capability permissions came in, `bench-store` (which has migrations but asked for no `storage`)
 * was skipped at discovery and `npm run bench` waited forever in the storage suite.
 */
describe('benchmark fixtures', () => {
  it('are plugins Rosey accepts', () => {
    const root = fileURLToPath(new URL('../../bench/fixtures/plugins/', import.meta.url));
    const { plugins, problems } = discoverPlugins([root]);
    expect(problems).to.deep.equal([]);
    expect(plugins.map((p) => p.manifest.name)).to.include('bench-store');
  });
});
