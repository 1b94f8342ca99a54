/**
 * The reply subjects issue 15 (defect 3) found storage answering on when a plugin named them on its
 * own `rosey.db.kv.<self>.get`: each one a subject that plugin may not publish on itself.
 */
export const HOSTILE_REPLY_SUBJECTS = [
  'rosey.control.stop',
  'rosey.platform.console.send.chat',
  'rosey.events.message',
  'rosey.plugins.quote-db.1.ready',
  'rosey.db.kv.quote-db.set',
  'rosey.security.violation',
  'rosey.plugins.discover',
] as const;
