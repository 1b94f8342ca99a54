import { expect } from 'chai';
import { failureReply, notRunningReply } from '../../actors/router/replies.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';

// Review of issue 15: replies clip a plugin's message at 200 UTF-16 units. An emoji at the cut left
// a lone surrogate, which the bus now refuses, so the user got no reply at all.
describe('router replies', () => {
  const emojiAtCut = `${'x'.repeat(198)}😀 and more`;

  it('clip a long error without halving an emoji, so the reply still crosses the bus', () => {
    for (const text of [
      failureReply('!', 'roll', 'dice', { code: 'PLUGIN_ERROR', message: emojiAtCut }),
      notRunningReply('dice', emojiAtCut),
    ]) {
      expect(text.endsWith('\ufffd…'), text.slice(-5)).to.equal(true);
      expect(decodeJson(encodeJson({ text })).ok).to.equal(true);
    }
  });

  it('keep a short message whole', () => {
    expect(failureReply('!', 'roll', 'dice', { code: 'PLUGIN_ERROR', message: 'bad 😀' })).to.equal(
      '!roll failed: bad 😀',
    );
  });
});
