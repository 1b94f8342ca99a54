import { expect } from 'chai';
import { formatPluginLogLine, parsePluginLogLine } from '../../contract/plugin-log-line.js';

describe("a plugin process's log lines (contract/plugin-log-line.ts)", () => {
  it('reads back what the SDK writes: level, text with line breaks, fields', () => {
    const line = formatPluginLogLine('error', 'uncaught error: Error: x\n    at y', {
      user: 'gina',
      n: 2,
      ok: null,
    });
    expect(line.endsWith('\n')).to.equal(true);
    expect(line.slice(0, -1)).to.not.include('\n'); // one line on the pipe
    expect(parsePluginLogLine(line.slice(0, -1), 'stderr')).to.deep.equal({
      level: 'error',
      msg: 'uncaught error: Error: x\n    at y',
      fields: { user: 'gina', n: 2, ok: null },
    });
    expect(parsePluginLogLine(formatPluginLogLine('debug', 'plain').trim(), 'stderr')).to.deep.equal({
      level: 'debug',
      msg: 'plain',
    });
  });

  it('keeps anything else as text: a warning on stderr, info on stdout', () => {
    const text = [
      'Error: boom',
      '{not json',
      '{"level":"fatal","msg":"not a level of ours"}',
      '{"level":"info","msg":"nested fields","fields":{"a":{"b":1}}}',
      '{"level":"info","msg":"an extra key","actor":"router"}',
    ];
    for (const line of text)
      expect(parsePluginLogLine(line, 'stderr')).to.deep.equal({ level: 'warn', msg: line });
    // console.log output is the plugin's own, even when it looks like a log line.
    const json = formatPluginLogLine('error', 'x').trim();
    expect(parsePluginLogLine(json, 'stdout')).to.deep.equal({ level: 'info', msg: json });
  });
});
