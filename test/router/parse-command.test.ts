import { expect } from 'chai';
import { MAX_ARGS, MAX_LINE, parseCommand } from '../../actors/router/parse-command.js';

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
});
