import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_ARGS, MAX_LINE, parseCommand } from '../../actors/router/parse-command.js';
import { COMMAND_NAME } from '../../contract/messages/commands.js';
import { propertyRuns } from '../support/properties.js';

describe('router: parsing chat lines', () => {
  it('splits `!name args` into a lower-cased command and its arguments', () => {
    expect(parseCommand('!Roll 2d6  +1', '!')).to.deep.equal({
      kind: 'command',
      name: 'roll',
      args: ['2d6', '+1'],
      argText: '2d6  +1',
    });
    expect(parseCommand('  !flip  ', '!')).to.deep.equal({
      kind: 'command',
      name: 'flip',
      args: [],
      argText: '',
    });
  });

  it('honours a configurable, multi-character prefix', () => {
    expect(parseCommand('~~roll d20', '~~')).to.include({ kind: 'command', name: 'roll' });
    expect(parseCommand('!roll d20', '~~')).to.deep.equal({ kind: 'not-a-command' });
  });

  it('treats plain chat, a bare prefix, `!!!`, `! roll` and punctuation as not a command', () => {
    for (const text of [
      'hello',
      '',
      '   ',
      '!',
      '!!!',
      '! roll',
      '!?',
      '!<b>',
      'roll !roll',
      '!\u200broll',
    ]) {
      expect(parseCommand(text, '!'), JSON.stringify(text)).to.deep.equal({ kind: 'not-a-command' });
    }
  });

  it('replaces control characters instead of passing them on', () => {
    const parsed = parseCommand('!roll\u0000 2d6\u001b[31m\u0007', '!');
    expect(parsed).to.deep.equal({
      kind: 'command',
      name: 'roll',
      args: ['2d6', '[31m'],
      argText: '2d6 [31m',
    });
  });

  it('keeps unicode arguments intact', () => {
    expect(parseCommand('!quote add 日本語 🎲 ümlaut', '!')).to.deep.include({
      args: ['add', '日本語', '🎲', 'ümlaut'],
    });
  });

  it('refuses lines over the limit and more than the maximum number of arguments', () => {
    expect(parseCommand('!roll ' + 'x'.repeat(MAX_LINE), '!')).to.deep.equal({
      kind: 'too-long',
      name: 'roll',
    });
    expect(parseCommand('!roll ' + Array.from({ length: 1000 }, () => 'a').join(' '), '!')).to.deep.equal({
      kind: 'too-many-args',
      name: 'roll',
    });
    expect(parseCommand('!roll ' + Array.from({ length: MAX_ARGS }, () => 'a').join(' '), '!')).to.include({
      kind: 'command',
    });
  });

  it('handles a megabyte of input without trouble', () => {
    expect(parseCommand('!' + 'a'.repeat(1_000_000), '!')).to.deep.equal({ kind: 'not-a-command' });
    expect(parseCommand('!x ' + 'a'.repeat(1_000_000), '!').kind).to.equal('too-long');
    expect(parseCommand('!x ' + 'a '.repeat(500_000), '!').kind).to.equal('too-many-args');
  });

  it('limits at their exact edge: a line of MAX_LINE characters, MAX_ARGS + 1 arguments', () => {
    const edge = '!x ' + 'a'.repeat(MAX_LINE - 3);
    expect(edge).to.have.length(MAX_LINE);
    expect(parseCommand(edge, '!')).to.deep.equal({
      kind: 'command',
      name: 'x',
      args: ['a'.repeat(MAX_LINE - 3)],
      argText: 'a'.repeat(MAX_LINE - 3),
    });
    expect(parseCommand(edge + 'a', '!')).to.deep.equal({ kind: 'too-long', name: 'x' });
    // Surrounding spaces do not count: the line is trimmed first.
    expect(parseCommand(`  ${edge}  `, '!').kind).to.equal('command');
    const many = (n: number) => '!x ' + Array.from({ length: n }, () => 'a').join(' ');
    expect(parseCommand(many(MAX_ARGS + 1), '!')).to.deep.equal({ kind: 'too-many-args', name: 'x' });
  });

  it('counts the arguments of an over-long line in the first MAX_LINE + 1 characters after the prefix', () => {
    // Argument MAX_ARGS + 1 ("b") starts at character MAX_LINE after the prefix: still counted, so
    // the reply is "too many arguments"; one character later it is only "too long".
    const body = `x ${'a'.repeat(MAX_LINE - 201)}${' a'.repeat(MAX_ARGS - 1)} b`;
    expect(body.indexOf('b')).to.equal(MAX_LINE);
    expect(parseCommand(`!${body}`, '!')).to.deep.equal({ kind: 'too-many-args', name: 'x' });
    const later = `x ${'a'.repeat(MAX_LINE - 200)}${' a'.repeat(MAX_ARGS - 1)} b`;
    expect(parseCommand(`!${later}`, '!')).to.deep.equal({ kind: 'too-long', name: 'x' });
  });

  it('replaces C0 and C1 controls but keeps tab, no-break space and what follows U+009F', () => {
    expect(parseCommand('!x a\tb', '!')).to.deep.include({ args: ['a', 'b'], argText: 'a\tb' });
    expect(parseCommand('!x a\u00a0b', '!')).to.deep.include({ argText: 'a\u00a0b' });
    expect(parseCommand('!x a\u00a1b', '!')).to.deep.include({ args: ['a\u00a1b'] });
    for (const control of ['\u0000', '\u0008', '\u000a', '\u001f', '\u007f', '\u0080', '\u009f']) {
      expect(parseCommand(`!x a${control}b`, '!'), JSON.stringify(control)).to.deep.include({
        args: ['a', 'b'],
        argText: 'a b',
      });
    }
  });

  it('an empty prefix makes nothing a command', () => {
    expect(parseCommand('roll 2d6', '')).to.deep.equal({ kind: 'not-a-command' });
    expect(parseCommand('!roll 2d6', '')).to.deep.equal({ kind: 'not-a-command' });
  });
});

describe('router: parsing chat lines, properties', () => {
  // The C0 and C1 controls parse-command replaces (tab excepted).
  // eslint-disable-next-line no-control-regex
  const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
  /** Any UTF-16 text: lone surrogates, controls and runs of whitespace included. */
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 60 })
      .map((units) => String.fromCharCode(...units)),
    fc
      .array(fc.constantFrom('!', '~', ' ', '\t', '\n', '\u0000', 'a', 'B', '-', '_', '\u00a0', '\ud800'), {
        maxLength: 40,
      })
      .map((parts) => parts.join('')),
  );
  const prefix = fc.oneof(
    fc.constantFrom('!', '~~', '$', '.'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
  );
  const name = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,31}$/);
  const word = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 8 })
    .filter((w) => !/\s/.test(w) && !CONTROL.test(w));
  const gap = fc.constantFrom(' ', '  ', '\t', ' \t ');

  it('no input crashes it, and every answer keeps its promises', () => {
    fc.assert(
      fc.property(prefix, anyText, fc.boolean(), (p, rest, prefixed) => {
        const parsed = parseCommand(prefixed ? p + rest : rest, p);
        if (parsed.kind === 'not-a-command') return;
        // Every other kind names a valid command.
        expect(parsed.name).to.match(COMMAND_NAME);
        if (parsed.kind !== 'command') return;
        expect(parsed.args.length).to.be.at.most(MAX_ARGS);
        expect(parsed.argText.length).to.be.at.most(MAX_LINE);
        expect(parsed.argText).to.equal(parsed.argText.trim());
        expect(parsed.args).to.deep.equal(parsed.argText === '' ? [] : parsed.argText.split(/\s+/));
        for (const arg of parsed.args) expect(CONTROL.test(arg), JSON.stringify(arg)).to.equal(false);
      }),
      propertyRuns(2000),
    );
  });

  it('round trip: prefix, name and arguments come back as written, the name lower-cased', () => {
    fc.assert(
      fc.property(
        prefix.filter((p) => !/\s/.test(p) && !CONTROL.test(p)),
        name,
        fc.array(fc.tuple(gap, word), { maxLength: 8 }),
        gap,
        (p, n, args, trailing) => {
          const argText = args.map(([g, w], i) => (i === 0 ? w : g + w)).join('');
          const text = `${p}${n}${args.length > 0 ? args[0]![0] : ''}${argText}${trailing}`;
          expect(parseCommand(text, p)).to.deep.equal({
            kind: 'command',
            name: n.toLowerCase(),
            args: args.map(([, w]) => w),
            argText,
          });
        },
      ),
      propertyRuns(1000),
    );
  });

  it('a command written back as prefix, name, one space and its argument text parses the same', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = parseCommand(`!${text}`, '!');
        if (parsed.kind !== 'command') return;
        expect(parseCommand(`!${parsed.name} ${parsed.argText}`, '!')).to.deep.equal(parsed);
      }),
      propertyRuns(2000),
    );
  });
});
