/**
 * Semantic-version precedence (semver.org §11), just enough to tell an upgrade from a downgrade:
 * major.minor.patch numerically, a pre-release lower than its release, pre-release identifiers
 * compared one by one (numeric ones as numbers and below alphanumeric ones, fewer identifiers
 * lower), build metadata ignored.
 */
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

interface Parsed {
  core: [string, string, string];
  pre: string[];
}

function parse(version: string): Parsed {
  const match = SEMVER.exec(version);
  if (!match) throw new Error(`'${version}' is not a semantic version`);
  const [, major = '0', minor = '0', patch = '0', pre] = match;
  return { core: [major, minor, patch], pre: pre === undefined ? [] : pre.split('.') };
}

/** Digit strings compared as numbers of any length (no float rounding past 2^53). */
function compareNumeric(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareIdentifier(a: string, b: string): number {
  const aNumeric = /^\d+$/.test(a);
  const bNumeric = /^\d+$/.test(b);
  if (aNumeric && bNumeric) return compareNumeric(a, b);
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1 as `a` is lower than, as high as, or higher than `b`. Throws on a non-semver string. */
export function compareSemver(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i += 1) {
    const order = compareNumeric(x.core[i] ?? '0', y.core[i] ?? '0');
    if (order !== 0) return Math.sign(order) as -1 | 1;
  }
  if (x.pre.length === 0 || y.pre.length === 0) {
    // A release outranks any of its pre-releases.
    return x.pre.length === y.pre.length ? 0 : x.pre.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i += 1) {
    const order = compareIdentifier(x.pre[i] ?? '', y.pre[i] ?? '');
    if (order !== 0) return Math.sign(order) as -1 | 1;
  }
  return Math.sign(x.pre.length - y.pre.length) as -1 | 0 | 1;
}
