import { ActionError, definePlugin, StorageError, type ChatMessage, type EventContext } from 'rosey/sdk';
import {
  currentText,
  HELP,
  itemText,
  nextItem,
  parse,
  playlistText,
  statusText,
  userText,
  usersText,
  type Command,
} from './shell.js';

/** Lowest rank the shell serves (CyTube: 2 moderator). */
export const MIN_RANK = 2;

/** What a moderator's command does; returns the answer. Throws ActionError for a refused action. */
async function run(command: Command, m: ChatMessage, ctx: EventContext): Promise<string> {
  switch (command.verb) {
    case 'help':
      return HELP;
    case 'status':
      return statusText(await ctx.channelView());
    case 'users':
      return usersText(await ctx.channelView());
    case 'user':
      return userText(await ctx.channelView(), command.name);
    case 'playlist':
      return playlistText(await ctx.channelView());
    case 'current':
      return currentText(await ctx.channelView());
    case 'say':
      await ctx.chat.send(command.text);
      return 'Said.';
    case 'next': {
      const next = nextItem(await ctx.channelView());
      if (!next) return 'Nothing is queued after this one.';
      await ctx.playlist.jump(next.uid);
      return `Playing ${itemText(next)}.`;
    }
    case 'move':
      await ctx.playlist.move(command.uid, command.after);
      return `Moved #${command.uid} ${command.after === 'prepend' ? 'to the top' : `after #${command.after}`}.`;
    case 'remove':
      await ctx.playlist.delete(command.uid);
      return `Removed #${command.uid}.`;
    case 'kick': {
      const view = await ctx.channelView();
      const target = view.users.find((u) => u.name.toLowerCase() === command.name.toLowerCase());
      if (!target) return `${command.name} is not in ${view.channel}.`;
      // The bot may outrank the moderator: the shell lends its rank only over users below theirs.
      if (target.rank >= m.rank)
        return `You cannot kick ${target.name}: their rank ${target.rank} is not below yours (${m.rank}).`;
      await ctx.users.kick(target.name, command.reason ?? `by ${m.user}`);
      return `Kicked ${target.name}.`;
    }
    case 'afk':
      await ctx.users.afk();
      return 'Toggled my AFK.';
  }
}

const describe = (error: unknown) =>
  error instanceof ActionError || error instanceof StorageError
    ? `${error.code}: ${error.message}`
    : String(error);

async function shell(m: ChatMessage, ctx: EventContext): Promise<void> {
  // Lines the bot sent, the platform's notices, and commands (the router's) are not the shell's.
  if (m.self || m.system || m.text.trimStart().startsWith('!')) return;
  const parsed = parse(m.text);
  // Anything else is someone talking to the bot, not to the shell: no answer, no record.
  if (!parsed) return;
  const answer = (text: string) => ctx.chat.pm(m.user, text);
  const who = { user: m.user, rank: m.rank, platform: m.platform, channel: m.channel };
  const verb = m.text.trim().split(/\s+/, 1)[0]!.toLowerCase();
  if (m.rank < MIN_RANK) {
    await ctx.audit('shell.refused', m.user, { ...who, verb, text: m.text.slice(0, 500) });
    await answer(`The shell is for moderators (rank ${MIN_RANK} and above).`);
    return;
  }
  if (!parsed.ok) {
    await answer(parsed.reason);
    return;
  }
  const { command } = parsed;
  const target = 'name' in command ? command.name : 'uid' in command ? `#${command.uid}` : m.channel;
  // Recorded before it happens: an action that cannot be audited is not taken.
  try {
    await ctx.audit(`shell.${command.verb}`, target, { ...who, command });
  } catch (error) {
    ctx.log.warn(`mod-shell: not audited, not done: ${describe(error)}`);
    await answer('Not done: the audit log cannot be written right now.');
    return;
  }
  let reply: string;
  try {
    reply = await run(command, m, ctx);
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    reply = `Not done (${error.code}): ${error.message}`;
    await ctx
      .audit(`shell.failed`, target, { ...who, verb: command.verb, code: error.code, message: error.message })
      .catch((e: unknown) => ctx.log.warn(`mod-shell: failure not audited: ${describe(e)}`));
  }
  await answer(reply);
}

export default definePlugin({
  name: 'mod-shell',
  commands: {},
  events: { pm: shell },
});
