import { pluginInboxPrefix, pluginOfSubject, ROSEY_INBOX_PREFIX } from '../../contract/subjects.js';

export type ReplySubjectCheck =
  | { ok: true }
  /** `plugin`: the plugin that sent the request, when the subject tells (it is one of that plugin's own). */
  | { ok: false; plugin?: string; reason: string };

/** Dot-separated tokens, none empty, no wildcard, whitespace or control character in any. */
const PLAIN_SUBJECT = /^[^\s*>.\p{Cc}]+(?:\.[^\s*>.\p{Cc}]+)*$/u;

/**
 * Whether Rosey may answer a request that arrived on `requestSubject` on `replySubject`.
 *
 * NATS lets whoever publishes a request name any reply subject, and a service answers as Rosey's
 * own user, which may publish anywhere: a plugin could otherwise make Rosey publish where its own
 * user may not (`rosey.control.stop`, another plugin's data, a chat line). So a reply goes only to
 * - the inbox of the plugin whose own subject the request came on (`_INBOX_<plugin>.…`): the
 *   server lets only that plugin's user (or Rosey's) publish on that subject, so it is the plugin
 *   that asked, and the answer is its own;
 * - Rosey's own inbox (`_INBOX.…`), where the app, the CLI and testBot wait: no plugin may subscribe
 *   to it, and a reply there reaches only a request of Rosey's whose inbox a plugin would have to
 *   guess (it sees only those of requests sent to itself, which it may answer anyway).
 */
export function checkReplySubject(requestSubject: string, replySubject: string): ReplySubjectCheck {
  const plugin = pluginOfSubject(requestSubject);
  const refused = (why: string): ReplySubjectCheck => ({
    ok: false,
    ...(plugin ? { plugin } : {}),
    reason: `a request on ${requestSubject} named the reply subject ${JSON.stringify(replySubject)}: ${why}; not answered`,
  });
  // No token is empty, so `<prefix>.` below is always followed by at least one.
  if (!PLAIN_SUBJECT.test(replySubject)) return refused('not a plain subject');
  if (replySubject.startsWith(`${ROSEY_INBOX_PREFIX}.`)) return { ok: true };
  if (!plugin) return refused(`only Rosey's own inbox (${ROSEY_INBOX_PREFIX}.>) may ask on that subject`);
  const own = pluginInboxPrefix(plugin);
  if (replySubject.startsWith(`${own}.`)) return { ok: true };
  return refused(`a reply to ${plugin} goes only to its own inbox (${own}.>)`);
}
