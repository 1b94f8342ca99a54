import { pluginInboxPrefix, pluginOfSubject, ROSEY_INBOX_PREFIX } from '../../contract/subjects.js';

export type ReplySubjectCheck =
  | { ok: true }
  /** `plugin`: the plugin that sent the request, when the subject tells (it is one of that plugin's own). */
  | { ok: false; plugin?: string; reason: string };

/** One token of a subject: no wildcard, no separator, no whitespace or control character. */
const TOKEN = /^[^\s*>.\p{Cc}]+$/u;

/**
 * Whether Rosey may answer a request that arrived on `requestSubject` on `replySubject`.
 *
 * NATS lets whoever publishes a request name any reply subject, and a service answers as Rosey's
 * own user, which may publish anywhere: a plugin could otherwise make Rosey publish where its own
 * user may not (`rosey.control.stop`, another plugin's data, a chat line). So a reply goes only to
 * - the inbox of the plugin whose own subject the request came on (`_INBOX_<plugin>.…`): the
 *   server let only that plugin's user (or Rosey's) publish there;
 * - Rosey's own inbox (`_INBOX.…`), where Rosey's clients wait: no plugin may subscribe to it, so a
 *   reply there can only complete a request of Rosey's own, which was checked against its schema.
 */
export function checkReplySubject(requestSubject: string, replySubject: string): ReplySubjectCheck {
  const plugin = pluginOfSubject(requestSubject);
  const refused = (why: string): ReplySubjectCheck => ({
    ok: false,
    ...(plugin ? { plugin } : {}),
    reason: `refused to answer a request on ${requestSubject} on ${JSON.stringify(replySubject)}: ${why}`,
  });
  // Every token non-empty, so `<prefix>.` below is always followed by at least one.
  if (!replySubject.split('.').every((token) => TOKEN.test(token))) return refused('not a plain subject');
  if (replySubject.startsWith(`${ROSEY_INBOX_PREFIX}.`)) return { ok: true };
  if (!plugin) return refused(`only Rosey's own inbox (${ROSEY_INBOX_PREFIX}.>) may ask on that subject`);
  const own = pluginInboxPrefix(plugin);
  if (replySubject.startsWith(`${own}.`)) return { ok: true };
  return refused(`a reply to ${plugin} goes only to its own inbox (${own}.>)`);
}
