/**
 * `login` as guest or with a password. It runs independently of `joinChannel`, like the real
 * server, so a login can finish before, during or after the join (README observation 1).
 */
import type { AliasBook, Accounts, GuestGate } from './accounts.js';
import { isValidUserName } from './chat-format.js';
import { TEXT } from './defaults.js';
import type { LoggedInUser, Session } from './session.js';
import { shapeError } from './validate.js';

export interface LoginContext {
  readonly accounts: Accounts;
  readonly guestGate: GuestGate;
  readonly aliases: AliasBook;
  /** Stands in for the bcrypt check that makes registered logins ~80 ms slower (README, line format). */
  readonly passwordCheckMs: number;
  sessions(): Iterable<Session>;
}

function fail(s: Session, error: string): void {
  s.send('login', { success: false, error });
}

export function handleLogin(ctx: LoginContext, s: Session, data: unknown): void {
  const bad = shapeError('login', data, { name: { type: 'string' }, pw: { type: 'string', optional: true } });
  if (bad) return void s.send('errorMsg', { msg: bad });
  // A socket logs in once; a failed attempt may be retried on the same socket (05).
  if (s.user || s.loginInProgress) return;
  const { name, pw } = data as { name: string; pw?: string };
  if (pw !== undefined && pw !== '') return passwordLogin(ctx, s, name, pw);
  if (!isValidUserName(name)) return fail(s, TEXT.invalidUsername);
  if (ctx.accounts.isRegistered(name)) return fail(s, TEXT.registeredName);
  const ch = s.channel ?? s.pending;
  if (ch?.findUser(name)) return fail(s, TEXT.nameInUse);
  if (!ctx.guestGate.admit(s.ip)) return fail(s, TEXT.guestDelay(ctx.guestGate.seconds));
  completeLogin(ctx, s, { name, globalRank: 0, guest: true });
}

function passwordLogin(ctx: LoginContext, s: Session, name: string, pw: string): void {
  // An unknown account needs no hash check, so its answer is immediate (05: before the join burst).
  if (!ctx.accounts.isRegistered(name)) return fail(s, TEXT.unknownUser);
  s.loginInProgress = true;
  setTimeout(() => {
    s.loginInProgress = false;
    if (s.gone || s.socket.disconnected) return;
    const verdict = ctx.accounts.verify(name, pw);
    if (!verdict.ok) return fail(s, verdict.reason === 'unknown' ? TEXT.unknownUser : TEXT.wrongPassword);
    completeLogin(ctx, s, { name: verdict.account.name, globalRank: verdict.account.rank, guest: false });
  }, ctx.passwordCheckMs);
}

/**
 * The recorded order (10): `rank`, the old socket's kick, `login`, the old session leaving
 * (which the new socket sees as `userLeave` of its own name), then the new addUser and rank.
 */
export function completeLogin(ctx: LoginContext, s: Session, user: LoggedInUser): void {
  s.user = user;
  s.rank = user.guest ? 0 : user.globalRank;
  ctx.aliases.add(s.ip, user.name);
  s.send('rank', s.rank);
  const key = user.name.toLowerCase();
  const duplicates = [...ctx.sessions()].filter(
    (o) => o !== s && !o.gone && o.user?.name.toLowerCase() === key,
  );
  for (const old of duplicates) {
    old.send('kick', { reason: TEXT.duplicateLogin });
    old.gone = true;
  }
  s.send(
    'login',
    user.guest ? { success: true, name: user.name, guest: true } : { success: true, name: user.name },
  );
  for (const old of duplicates) {
    old.channel?.leave(old);
    old.pending = undefined;
    old.disconnect();
  }
  if (s.channel) return s.channel.onLogin(s);
  const waiting = s.pending;
  if (!waiting) return;
  // Even at the password prompt a registered user's channel rank is applied and broadcast (14).
  if (!user.guest) waiting.applyRank(s, false);
  if (s.rank >= 2) {
    s.send('cancelNeedPassword');
    waiting.join(s);
  }
}
