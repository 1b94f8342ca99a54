import assert from 'node:assert/strict';
import { compareSemver } from '../../plugin-packages/semver-compare.js';

describe('semantic-version precedence', () => {
  it('orders versions as semver.org does', () => {
    // Each lower than the next (the example list of semver.org §11, plus numeric edges).
    const ascending = [
      '0.9.9',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.2.0',
      '1.10.0',
      '2.0.0',
      '10.0.0',
      '99999999999999999999.0.0',
    ];
    for (let i = 0; i < ascending.length; i += 1) {
      for (let j = 0; j < ascending.length; j += 1) {
        const a = ascending[i] ?? '';
        const b = ascending[j] ?? '';
        assert.equal(compareSemver(a, b), Math.sign(i - j) || 0, `${a} vs ${b}`);
      }
    }
  });

  it('ignores build metadata', () => {
    assert.equal(compareSemver('1.2.0+build.5', '1.2.0'), 0);
    assert.equal(compareSemver('1.2.0-rc.1+a', '1.2.0-rc.1+b'), 0);
  });

  it('refuses a string that is not a version', () => {
    assert.throws(() => compareSemver('1.2', '1.2.0'), /'1\.2' is not a semantic version/);
  });
});
