import type { Hook } from '@oclif/core';
import { distance } from 'fastest-levenshtein';

/**
 * Commands people reach for that Rosey has under another name (`{args}` stands for what they typed
 * after the command). Found by new users trying the CLI, not guessed: `rosey plugin status karma`
 * is the first thing a plugin author types after an install.
 */
const ELSEWHERE: Record<string, readonly string[]> = {
  'plugin:status': ['plugin info {args}', 'status'],
  'plugin:restart': ['restart {args}', 'plugin reload {args}'],
  'plugin:uninstall': ['plugin remove {args}'],
  'plugin:upgrade': ['plugin install {args}'],
  'plugin:update': ['plugin install {args}'],
};

/** The most suggestions worth reading on one line. */
const MOST = 3;

/**
 * An unknown command gets one line on stderr naming what the user probably meant, and exit 2 (a
 * usage error, as oclif gives for bad flags), instead of oclif's bare "command … not found".
 */
const commandNotFound: Hook.CommandNotFound = async function ({ id, argv = [] }) {
  // oclif joins every word into the id (`plugin:status:karma`): the command is the first word after
  // the longest run of words that names a topic; the rest were meant as its arguments.
  const words = id.split(':');
  let topicWords = 0;
  for (let n = words.length - 1; n > 0; n--) {
    if (this.config.findTopic(words.slice(0, n).join(':'))) {
      topicWords = n;
      break;
    }
  }
  const typed = words.slice(0, topicWords + 1).join(':');
  const args = [...words.slice(topicWords + 1), ...argv].join(' ');
  const topic = words.slice(0, topicWords).join(':');

  // Topics too: `rosey plgin list` means the plugin topic.
  const commands = this.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const known = [...new Set([...commands, ...this.config.topics.map((t) => t.name)])];
  // Own keys only: `rosey constructor` must not find Object's.
  const elsewhere = Object.hasOwn(ELSEWHERE, typed) ? ELSEWHERE[typed] : undefined;
  // oclif lists every command as a topic of its own too: a topic here is one that holds commands.
  const topics = new Set(
    this.config.topics.map((t) => t.name).filter((name) => !this.config.findCommand(name)),
  );
  const suggestions = [...new Set(elsewhere ?? nearest(typed, known))].map((s) => {
    // A misspelt topic: what followed it was the command (`rosey plgin list` → `rosey plugin list`).
    const command = topics.has(s) && args ? `${s} ${args}` : s;
    // A function, not a string: `$&` in what was typed must stay as typed.
    return `rosey ${command.replaceAll(':', ' ').replace('{args}', () => args)}`.trim();
  });
  const help = topic ? `rosey ${topic.replaceAll(':', ' ')} --help` : 'rosey --help';
  const said = typed.replaceAll(':', ' ');
  const hint =
    suggestions.length > 0
      ? `did you mean ${suggestions.join(', or ')}? (${help} lists the commands)`
      : `${help} lists the commands`;
  process.stderr.write(`rosey: "${said}" is not a rosey command; ${hint}\n`);
  this.exit(2);
};

/** Known commands a typo or two away, closest first. */
function nearest(typed: string, known: readonly string[]): string[] {
  const allowed = Math.max(2, Math.floor(typed.length / 4));
  const close = known
    .map((command) => ({ command, d: distance(typed, command) }))
    .filter(({ d }) => d <= allowed)
    .sort((a, b) => a.d - b.d || a.command.localeCompare(b.command))
    .map(({ command }) => command);
  return close.slice(0, MOST);
}

export default commandNotFound;
