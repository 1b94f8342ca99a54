import { expect } from 'chai';
import { errorSummary } from '../../actors/plugin-host/error-summary.js';

// Issue 22: a plugin's stack trace reached `rosey status`, `plugin info` and the supervisor's log
// lines squeezed onto one line with literal `\n`s.
describe('errorSummary (the line an exit description keeps of a plugin error)', () => {
  it('keeps the message and where a stack trace says it was thrown', () => {
    const stack = [
      'uncaught error: Error: crash later',
      '    at Timeout._onTimeout (file:///tmp/p/karma/index.js:5:38)',
      '    at listOnTimeout (node:internal/timers:581:17)',
    ].join('\n');
    expect(errorSummary(stack)).to.equal(
      'uncaught error: Error: crash later (at file:///tmp/p/karma/index.js:5:38)',
    );
  });

  it('takes a frame without a function name as it is', () => {
    expect(errorSummary('Error: x\n    at file:///p/index.js:1:7\n    at y (z.js:1:1)')).to.equal(
      'Error: x (at file:///p/index.js:1:7)',
    );
  });

  it('keeps a one-line message unchanged, and only the first line of other text', () => {
    expect(errorSummary('start failed: no config')).to.equal('start failed: no config');
    expect(errorSummary('first line  \nsecond line\nthird')).to.equal('first line');
    expect(errorSummary('')).to.equal('');
  });
});
