import assert from 'node:assert/strict';
import { pathProblem, quotePath } from '../../plugin-packages/package-path.js';

describe('the path rule of packages', () => {
  it('accepts plain relative paths, dots and spaces inside names included', () => {
    for (const path of [
      'a',
      'index.js',
      'lib/util.js',
      '.hidden',
      '..a',
      'a..',
      'a.b/c..d/...',
      'sp ace~/x',
      ':colon',
      '1:x',
      'ab:c',
      'node_modulesx/a',
      'x/node_module',
    ]) {
      assert.equal(pathProblem(path), undefined, path);
    }
  });

  it('refuses each unsafe path with the reason', () => {
    const cases: Array<[string, string]> = [
      ['', 'has an empty path'],
      ['a\0b', 'contains a NUL byte'],
      ['lib\\a.js', 'contains a backslash'],
      ['a\nb', 'contains a control character'],
      ['\u001f', 'contains a control character'],
      // DEL is a control character too, one past the printable range.
      ['a\u007fb', 'contains a control character'],
      ['é', 'is not ASCII'],
      ['a/\u0080', 'is not ASCII'],
      ['/etc/passwd', 'is an absolute path'],
      ['C:evil', 'is an absolute path'],
      ['z:/evil', 'is an absolute path'],
      ['..', "has a '..' segment"],
      ['../a', "has a '..' segment"],
      ['a/../../b', "has a '..' segment"],
      ['a/..', "has a '..' segment"],
      ['.', "has a '.' segment"],
      ['./a', "has a '.' segment"],
      ['a/./b', "has a '.' segment"],
      ['a/.', "has a '.' segment"],
      ['a//b', 'has an empty segment'],
      ['a/', 'has an empty segment'],
      ['node_modules', 'is inside node_modules'],
      ['node_modules/rosey/index.js', 'is inside node_modules'],
      ['lib/node_modules/x', 'is inside node_modules'],
    ];
    for (const [path, reason] of cases) assert.equal(pathProblem(path), reason, JSON.stringify(path));
  });

  it('quotes a path on one line, control characters escaped', () => {
    assert.equal(quotePath('a\nb"c'), '"a\\nb\\"c"');
  });
});
