/**
 * The one line an exit's description keeps of a plugin's last error line: its first line (the
 * message), and where it was thrown when the rest is a stack trace. The whole trace is in the log
 * already, as the plugin wrote it; `rosey status`, `plugin info` and the supervisor's log lines
 * showed it squeezed onto one line with literal `\n`s (issue 22).
 */
export function errorSummary(text: string): string {
  const [first = '', ...rest] = text.split('\n');
  const frame = rest.map((line) => /^\s+at (?:.* \()?(.+?)\)?$/.exec(line)?.[1]).find(Boolean);
  return frame ? `${first.trimEnd()} (at ${frame})` : first.trimEnd();
}
