import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  comparePaths,
  computeChecksums,
  parseChecksums,
  serialiseChecksums,
  sha256Hex,
} from '../../plugin-packages/checksums.js';
import { PackageError } from '../../plugin-packages/package-error.js';

const HASH_A = sha256Hex(Buffer.from('a'));
const HASH_B = sha256Hex(Buffer.from('b'));

describe('CHECKSUMS', () => {
  it('lists every file sorted by path in the sha256sum format', () => {
    const files = new Map([
      ['lib/b.js', Buffer.from('b')],
      ['a b.txt', Buffer.from('a')],
      ['README.md', Buffer.from('a')],
    ]);
    const text = serialiseChecksums(computeChecksums(files));
    assert.equal(text, `${HASH_A}  README.md\n${HASH_A}  a b.txt\n${HASH_B}  lib/b.js\n`);
    assert.equal(HASH_A, createHash('sha256').update('a').digest('hex'));
    assert.deepEqual(parseChecksums(text), [
      { path: 'README.md', sha256: HASH_A },
      { path: 'a b.txt', sha256: HASH_A },
      { path: 'lib/b.js', sha256: HASH_B },
    ]);
  });

  it('parses an empty listing', () => {
    assert.deepEqual(parseChecksums(''), []);
  });

  it('refuses malformed, unsafe, unsorted and repeated lines, naming the line', () => {
    const cases: Array<[string, RegExp]> = [
      [`${HASH_A} a.js\n`, /line 1 is not/],
      [`${HASH_A.toUpperCase()}  a.js\n`, /line 1 is not/],
      [`${HASH_A}  a.js`, /does not end with a newline/],
      [`${HASH_A.slice(1)}  a.js\n`, /line 1 is not/],
      [`${HASH_A}0  a.js\n`, /line 1 is not/],
      [`${HASH_A.slice(1)}g  a.js\n`, /line 1 is not/],
      [`x${HASH_A}  a.js\n`, /line 1 is not/],
      [`${HASH_A}  \n`, /line 1 is not/],
      [`${HASH_A}\ta.js\n`, /line 1 is not/],
      [`${HASH_A}  a.js\n\n`, /line 2 is not/],
      [`${HASH_A}  ../a.js\n`, /line 1: "\.\.\/a\.js" has a '\.\.' segment/],
      [`${HASH_A}  /etc/passwd\n`, /line 1: "\/etc\/passwd" is an absolute path/],
      [`${HASH_A}  b.js\n${HASH_A}  a.js\n`, /line 2: "a\.js" is out of order/],
      [`${HASH_A}  a.js\n${HASH_B}  a.js\n`, /line 2: "a\.js" is listed twice/],
      [`${HASH_A}  a.js\n${HASH_A}  a.js/./b\n`, /line 2: "a\.js\/\.\/b" has a '\.' segment/],
      // A line ends only at its newline: a carriage return or a Unicode line separator after the
      // path is part of the line, not an end the rest may hide behind.
      [`${HASH_A}  a.js\rb.js\n`, /line 1 is not/],
      [`${HASH_A}  a.js\u2028b.js\n`, /line 1 is not/],
    ];
    for (const [text, pattern] of cases) {
      let error: unknown;
      try {
        parseChecksums(text);
      } catch (caught) {
        error = caught;
      }
      assert.ok(error instanceof PackageError, JSON.stringify(text));
      assert.equal(error.code, 'BAD_CHECKSUM');
      assert.match(error.message, pattern);
    }
  });

  it('orders paths by code unit, the same on every machine and locale', () => {
    assert.equal(comparePaths('B', 'a'), -1);
    assert.equal(comparePaths('a', 'B'), 1);
    assert.equal(comparePaths('a', 'a/b'), -1);
    assert.equal(comparePaths('a/b', 'a/b'), 0);
    assert.deepEqual(['é', 'z', 'Z', 'a-b', 'a/b', 'a.b'].sort(comparePaths), [
      'Z',
      'a-b',
      'a.b',
      'a/b',
      'z',
      'é',
    ]);
  });
});
