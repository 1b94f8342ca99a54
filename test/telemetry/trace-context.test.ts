import { expect } from 'chai';
import { formatTraceparent, nextTraceparent, parseTraceparent } from '../../contract/trace-context.js';

describe('traceparent (W3C Trace Context, contract/trace-context.ts)', () => {
  const trace = '0af7651916cd43dd8448eb211c80319c';
  const span = 'b7ad6b7169203331';

  it('reads a valid one and writes it back the same', () => {
    const value = `00-${trace}-${span}-01`;
    expect(parseTraceparent(value)).to.deep.equal({ traceId: trace, spanId: span, flags: '01' });
    expect(formatTraceparent(parseTraceparent(value)!)).to.equal(value);
    expect(parseTraceparent(`00-${trace}-${span}-00`)?.flags).to.equal('00');
  });

  it('refuses what is not one: all-zero ids, another version, upper case, extra or missing characters', () => {
    for (const value of [
      undefined,
      '',
      `00-${'0'.repeat(32)}-${span}-01`,
      `00-${trace}-${'0'.repeat(16)}-01`,
      `01-${trace}-${span}-01`,
      `00-${trace.toUpperCase()}-${span}-01`,
      `00-${trace}-${span}-01-`,
      `00-${trace}-${span}-1`,
      ` 00-${trace}-${span}-01`,
      `00-${trace}_${span}-01`,
      `00-${trace.slice(1)}g-${span}-01`,
    ])
      expect(parseTraceparent(value), String(value)).to.equal(undefined);
  });

  it('continues a trace with a new span, or starts one', () => {
    const parent = `00-${trace}-${span}-01`;
    const next = parseTraceparent(nextTraceparent(parent))!;
    expect(next.traceId).to.equal(trace);
    expect(next.spanId).to.not.equal(span);
    const root = parseTraceparent(nextTraceparent())!;
    expect(root.traceId).to.not.equal(trace);
    expect(root.flags).to.equal('01');
  });
});
