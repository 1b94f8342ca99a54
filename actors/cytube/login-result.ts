/**
 * What a failed CyTube `login` means for the connector: wait and retry (the guest-login delay), or
 * stop for good (bad credentials, a taken name), because retrying would only loop.
 */
const GUEST_NAME_HELD_RETRY_MS = 20_000;

export type LoginFailure =
  { kind: 'retry'; afterMs: number; reason: string } | { kind: 'fatal'; reason: string };

export function classifyLoginFailure(
  error: string | undefined,
  name: string,
  registered: boolean,
): LoginFailure {
  const text = error?.trim() || 'no reason given';
  const delay = /restricted to one per IP address per (\d+) seconds/i.exec(text);
  if (delay) return { kind: 'retry', afterMs: Number(delay[1]) * 1000, reason: text };
  // A guest name held by our own dead session (after a network blip) is freed when the server
  // notices, within its ping timeout; a registered name would have kicked the old session instead.
  if (/already in use/i.test(text)) return { kind: 'retry', afterMs: GUEST_NAME_HELD_RETRY_MS, reason: text };
  if (/username is registered/i.test(text))
    return {
      kind: 'fatal',
      reason: `the guest name "${name}" belongs to a registered account: set platforms.cytube.password, or pick another username`,
    };
  if (/invalid username\/password/i.test(text) || /user does not exist/i.test(text))
    return { kind: 'fatal', reason: `CyTube refused the login for "${name}": ${text}` };
  if (/invalid username/i.test(text))
    return { kind: 'fatal', reason: `"${name}" is not a valid CyTube name: ${text}` };
  return {
    kind: 'fatal',
    reason: `CyTube refused the ${registered ? 'login' : 'guest login'} for "${name}": ${text}`,
  };
}
