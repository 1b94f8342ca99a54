import { expect } from 'chai';
import { HOSTILE_REPLY_SUBJECTS } from '../support/hostile-replies.js';
import { checkReplySubject } from '../../actors/bus/reply-subject.js';
import { pluginPermissions } from '../../actors/nats-server/credentials.js';
import { CAPABILITY_NAMES } from '../../contract/capabilities.js';
import { pluginInboxPrefix, pluginOfSubject } from '../../contract/subjects.js';

/** A concrete subject matched by a permission pattern. */
const concrete = (pattern: string) => pattern.replace(/\*/g, 'get').replace(/>$/, '1.ready');

// Issue 15, defect 3: storage answered `rosey.db.kv.<self>.get` on whatever reply subject the plugin named.
const HOSTILE_REPLIES = HOSTILE_REPLY_SUBJECTS;

describe('reply subjects (which reply subject Rosey may answer a request on)', () => {
  it("accepts the plugin's own inbox on every subject its NATS user may publish", () => {
    const allowed = pluginPermissions('probe', CAPABILITY_NAMES).publish.allow.map(concrete);
    expect(allowed).to.include('rosey.db.kv.probe.get');
    for (const subject of allowed) {
      expect(pluginOfSubject(subject), subject).to.equal('probe');
      expect(checkReplySubject(subject, '_INBOX_probe.abc.def'), subject).to.deep.equal({ ok: true });
    }
  });

  it("accepts Rosey's own inbox on any subject (the CLI and the app call plugins' namespaces too)", () => {
    for (const subject of ['rosey.db.kv.probe.get', 'rosey.db.migrate.probe.apply', 'rosey.control.status']) {
      expect(checkReplySubject(subject, '_INBOX.Xk3s9.17'), subject).to.deep.equal({ ok: true });
    }
  });

  it('refuses any other reply subject and names the plugin that asked', () => {
    for (const reply of HOSTILE_REPLIES) {
      const check = checkReplySubject('rosey.db.kv.probe.get', reply);
      expect(check, reply).to.deep.include({ ok: false, plugin: 'probe' });
    }
  });

  it("refuses another plugin's inbox, also when one name starts with the other", () => {
    expect(checkReplySubject('rosey.db.kv.probe.get', '_INBOX_quote-db.a.b')).to.deep.include({ ok: false });
    expect(checkReplySubject('rosey.db.kv.quote.get', '_INBOX_quote-db.a.b')).to.deep.include({ ok: false });
    expect(checkReplySubject('rosey.db.kv.quote-db.get', '_INBOX_quote.a.b')).to.deep.include({ ok: false });
    expect(checkReplySubject('rosey.actions.quote.chat.send', '_INBOX_quote-db.a')).to.deep.include({
      ok: false,
      plugin: 'quote',
    });
  });

  it('refuses wildcards, empty tokens, whitespace and a bare prefix', () => {
    const own = pluginInboxPrefix('probe');
    for (const reply of [
      `${own}.>`,
      `${own}.*`,
      `${own}.a.>`,
      `${own}.`,
      own,
      `${own}..a`,
      `${own}.a b`,
      `${own}.a\u0000`,
      '_INBOX.>',
      '_INBOX.',
      '_INBOX',
      '',
    ]) {
      expect(checkReplySubject('rosey.db.kv.probe.get', reply), JSON.stringify(reply)).to.deep.include({
        ok: false,
      });
    }
  });

  it("lets no plugin inbox answer on a subject that is no plugin's own", () => {
    for (const subject of ['rosey.control.stop', 'rosey.router.route', 'rosey.db.kv.Not-A-Name.get']) {
      const check = checkReplySubject(subject, '_INBOX_probe.a.b');
      expect(check, subject).to.have.property('ok', false);
      expect(check, subject).to.not.have.property('plugin');
    }
  });
});
