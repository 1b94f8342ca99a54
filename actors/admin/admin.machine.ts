import { randomInt } from 'node:crypto';
import { assertEvent, enqueueActions, sendParent, setup } from 'xstate';
import type { z } from '../../contract/zod.js';
import {
  bridgeInput,
  busBridge,
  type BridgeCommand,
  type BusResponseEvent,
  type InboundEvent,
} from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { MessageMeta } from '../../contract/envelope.js';
import type { Logger } from '../../contract/log.js';
import {
  ADMIN_COMMAND,
  type AdminAuditDetail,
  type AdminVerb,
  type DestructiveVerb,
} from '../../contract/messages/admin.js';
import { chatMessageSchema, SYSTEM_RANK, type ChatMessage } from '../../contract/messages/chat.js';
import { statusReplySchema } from '../../contract/messages/control.js';
import { currentMetricsSchema } from '../../contract/messages/metrics.js';
import {
  pluginChangeReplySchema,
  pluginInfoReplySchema,
  pluginListReplySchema,
  pluginStartReplySchema,
  reloadReplySchema,
} from '../../contract/messages/plugins.js';
import type { auditRequests } from '../../contract/messages/storage.js';
import { errorMessage, type Result } from '../../contract/result.js';
import { ADMIN_NAMESPACE, PLUGIN_NAME, subjects } from '../../contract/subjects.js';
import { validate } from '../../contract/validate.js';
import { childReady } from '../../supervisors/child-protocol.js';
import { parseCommand } from '../router/parse-command.js';
import { authorize, type AdminPolicy } from './authorize.js';
import { issue, redeem, type Confirmations } from './confirmations.js';
import {
  confirmReply,
  doneReply,
  failedReply,
  floodReply,
  helpReply,
  listReply,
  metricsReply,
  notAllowedReply,
  pluginStatusReply,
  refusedCodeReply,
  statusReply,
  usageReply,
} from './format.js';
import { parseAdmin } from './parse.js';
import { checkRate, type RateLimit, type Rates } from './rate-limit.js';

/** How `!admin enable|disable` finds a plugin and records the switch, as `rosey plugin enable|disable` do. */
export interface PluginSwitches {
  /** The folder of a plugin Rosey knows (installed or configured), or why it cannot be enabled. */
  folder(plugin: string): { dir: string } | { error: string };
  /** Records the switch in the data directory, for the next start. */
  setDisabled(plugin: string, disabled: boolean): void;
}

export interface AdminInput {
  link: BusLink;
  logger: Logger;
  botName: string;
  prefix: string;
  policy: AdminPolicy;
  rateLimit: RateLimit;
  /** How long a confirmation code is good for. */
  confirmMs: number;
  /** Platforms whose answers go to the chat (no private messages there): the terminal chats. */
  chatOnlyPlatforms: readonly string[];
  /** Without it (a Rosey without a configuration file) enable is refused. */
  switches?: PluginSwitches;
  /** How long a reload, restart, enable or disable may take before the answer is "timed out". */
  changeTimeoutMs?: number;
  now?: () => number;
  newCode?: () => string;
}

/** A chat line that is an `!admin` command, and who typed it. */
interface Line {
  platform: string;
  channel: string;
  user: string;
  rank: number;
  private: boolean;
  args: string[];
  meta: MessageMeta;
}

/** What a bus request of this actor was for, handed back with its response. */
type Asked =
  | { kind: 'audit'; action: string }
  | { kind: 'query'; verb: 'list' | 'status' | 'metrics'; plugin?: string; line: Line }
  | { kind: 'change'; verb: DestructiveVerb; plugin: string; line: Line };

const isAsked = (value: unknown): value is Asked =>
  typeof value === 'object' &&
  value !== null &&
  'kind' in value &&
  (value.kind === 'audit' || value.kind === 'query' || value.kind === 'change');

interface AdminContext {
  input: AdminInput;
  confirmations: Confirmations;
  rates: Rates;
  nextRequest: number;
}

type AdminEvent =
  | InboundEvent<'chat.message', ChatMessage>
  | InboundEvent<'chat.pm', ChatMessage>
  | BusResponseEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

const CODE_LETTERS = 'abcdefghjkmnpqrstuvwxyz23456789';
/** Six letters and digits that cannot be misread (no 0/o, 1/l/i): typed by hand in a chat. */
export const newConfirmationCode = () =>
  Array.from({ length: 6 }, () => CODE_LETTERS[randomInt(CODE_LETTERS.length)]).join('');

/** The user a rate and a confirmation belong to: one name on one platform. */
const speakerKey = (line: Pick<Line, 'platform' | 'user'>) => `${line.platform}/${line.user.toLowerCase()}`;

/** The words of the line as the audit keeps them: a few, each cut short (the detail is bounded). */
const auditArgs = (args: string[]) => args.slice(0, 4).map((a) => a.slice(0, 64));

/** What an `!admin` line acts on, for the audit record's target: a plugin, else Rosey. */
const targetOf = (args: string[]) => {
  const plugin = args[1];
  return plugin !== undefined && PLUGIN_NAME.test(plugin) ? plugin : 'rosey';
};

/** Builds one step's bus commands, numbering its requests. */
class Step {
  readonly sends: BridgeCommand[] = [];
  constructor(
    private readonly context: AdminContext,
    private nextRequest: number,
  ) {}

  get next(): number {
    return this.nextRequest;
  }

  say(line: Line, text: string): void {
    const { chatOnlyPlatforms } = this.context.input;
    this.sends.push(
      chatOnlyPlatforms.includes(line.platform)
        ? {
            type: 'bus.publish',
            subject: subjects.sendChat(line.platform),
            data: { channel: line.channel, text },
            from: line.meta,
          }
        : {
            type: 'bus.publish',
            subject: subjects.sendPm(line.platform),
            data: { channel: line.channel, to: line.user, text },
            from: line.meta,
          },
    );
  }

  ask(subject: string, data: unknown, timeoutMs: number, asked: Asked, from: MessageMeta): void {
    this.sends.push({
      type: 'bus.request',
      subject,
      data,
      timeoutMs,
      requestId: `admin-${this.nextRequest++}`,
      context: asked,
      from,
    });
  }

  /** One record of the audit log, through storage like every other (`rosey.audit.admin.<action>`). */
  audit(
    line: Line,
    action: AdminVerb | 'flood' | 'unknown',
    target: string,
    outcome: AdminAuditDetail['outcome'],
    extra: { reason?: string; confirmed?: boolean } = {},
  ): void {
    const detail: AdminAuditDetail = {
      platform: line.platform,
      channel: line.channel,
      user: line.user,
      rank: line.rank,
      args: auditArgs(line.args),
      outcome,
      ...(extra.reason !== undefined ? { reason: extra.reason.slice(0, 500) } : {}),
      ...(extra.confirmed ? { confirmed: true } : {}),
    };
    const data: z.input<typeof auditRequests.record> = { action, target, detail };
    this.ask(subjects.audit(ADMIN_NAMESPACE), data, 10_000, { kind: 'audit', action }, line.meta);
  }
}

/** One chat line: an `!admin` command is rate-limited, authorized, parsed, then answered or carried out. */
/** Whether a chat line's payload, before its schema, is an `!admin` command (however malformed). */
export function isAdminLine(data: unknown, prefix: string): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const { text } = data as { text?: unknown };
  if (typeof text !== 'string') return false;
  const parsed = parseCommand(text, prefix);
  return parsed.kind !== 'not-a-command' && parsed.name === ADMIN_COMMAND;
}

function onLine(
  context: AdminContext,
  msg: ChatMessage,
  isPm: boolean,
  meta: MessageMeta,
): { patch: Partial<AdminContext>; sends: BridgeCommand[] } | undefined {
  const { input } = context;
  if (msg.self || msg.system || msg.rank >= SYSTEM_RANK) return undefined;
  if (msg.user.toLowerCase() === input.botName.toLowerCase()) return undefined;
  const parsed = parseCommand(msg.text, input.prefix);
  if (parsed.kind === 'not-a-command' || parsed.name !== ADMIN_COMMAND) return undefined;
  const now = (input.now ?? Date.now)();
  const line: Line = {
    platform: msg.platform,
    channel: msg.channel,
    user: msg.user,
    rank: msg.rank,
    private: isPm,
    args: parsed.kind === 'command' ? parsed.args : [],
    meta,
  };
  const step = new Step(context, context.nextRequest);
  const done = (patch: Partial<AdminContext> = {}) => ({
    patch: { ...patch, nextRequest: step.next },
    sends: step.sends,
  });
  const { prefix } = input;

  const rate = checkRate(context.rates, speakerKey(line), now, input.rateLimit);
  if (rate.verdict === 'drop') return { patch: { rates: rate.rates }, sends: [] };
  if (rate.verdict === 'refuse') {
    step.say(line, floodReply(prefix, input.rateLimit.windowMs));
    step.audit(line, 'flood', targetOf(line.args), 'refused', {
      reason: `more than ${input.rateLimit.count} admin lines in ${input.rateLimit.windowMs} ms`,
    });
    return done({ rates: rate.rates });
  }
  const rates = rate.rates;
  const command = parseAdmin(line.args);
  const verb = command.ok ? command.command.verb : command.verb;
  const target = targetOf(line.args);

  const allowed = authorize(input.policy, line);
  if (!allowed.allowed) {
    step.say(line, notAllowedReply(prefix));
    step.audit(line, verb, target, 'refused', { reason: allowed.reason });
    return done({ rates });
  }
  if (parsed.kind !== 'command') {
    const reason = parsed.kind === 'too-long' ? 'that line is too long' : 'too many arguments';
    step.say(line, usageReply(prefix, reason));
    step.audit(line, 'unknown', 'rosey', 'refused', { reason });
    return done({ rates });
  }
  if (!command.ok) {
    step.say(line, usageReply(prefix, command.reason));
    step.audit(line, command.verb, target, 'refused', { reason: command.reason });
    return done({ rates });
  }
  const queryTimeoutMs = 5000;
  const c = command.command;
  switch (c.verb) {
    case 'help':
      step.say(line, helpReply(prefix));
      step.audit(line, 'help', 'rosey', 'ok');
      return done({ rates });
    case 'list':
      step.ask(
        subjects.pluginControl('list'),
        {},
        queryTimeoutMs,
        { kind: 'query', verb: 'list', line },
        meta,
      );
      return done({ rates });
    case 'metrics':
      step.ask(subjects.metricsCurrent, {}, queryTimeoutMs, { kind: 'query', verb: 'metrics', line }, meta);
      return done({ rates });
    case 'status':
      if (c.plugin === undefined)
        step.ask(
          subjects.control('status'),
          {},
          queryTimeoutMs,
          { kind: 'query', verb: 'status', line },
          meta,
        );
      else
        step.ask(
          subjects.pluginControl('info'),
          { plugin: c.plugin },
          queryTimeoutMs,
          { kind: 'query', verb: 'status', plugin: c.plugin, line },
          meta,
        );
      return done({ rates });
    case 'confirm': {
      const redeemed = redeem(context.confirmations, c.code, speakerKey(line), now);
      if (!redeemed.ok) {
        step.say(line, refusedCodeReply(prefix, redeemed.reason));
        step.audit(line, 'confirm', 'rosey', 'refused', { reason: redeemed.reason });
        return done({ rates, confirmations: redeemed.state });
      }
      const { verb: todo, plugin } = redeemed.pending;
      step.audit(line, 'confirm', plugin, 'ok');
      carryOut(step, input, line, todo, plugin);
      return done({ rates, confirmations: redeemed.state });
    }
    default: {
      const code = (input.newCode ?? newConfirmationCode)();
      const confirmations = issue(
        context.confirmations,
        code,
        { owner: speakerKey(line), verb: c.verb, plugin: c.plugin, expiresAt: now + input.confirmMs },
        now,
      );
      step.say(line, confirmReply(prefix, c.verb, c.plugin, code, input.confirmMs));
      step.audit(line, c.verb, c.plugin, 'pending');
      return done({ rates, confirmations });
    }
  }
}

/** A confirmed verb: one request to the plugin manager, the same the CLI makes. */
function carryOut(step: Step, input: AdminInput, line: Line, verb: DestructiveVerb, plugin: string): void {
  const timeoutMs = input.changeTimeoutMs ?? 120_000;
  const asked: Asked = { kind: 'change', verb, plugin, line };
  switch (verb) {
    case 'reload':
      return step.ask(subjects.pluginControl('reload'), { plugin }, timeoutMs, asked, line.meta);
    case 'restart':
      return step.ask(subjects.pluginControl('restart'), { plugin }, timeoutMs, asked, line.meta);
    case 'disable':
      return step.ask(subjects.pluginControl('stop'), { plugin }, timeoutMs, asked, line.meta);
    case 'enable': {
      const found = input.switches?.folder(plugin) ?? {
        error: 'this Rosey runs without a configuration: use `rosey plugin enable`',
      };
      if ('error' in found) {
        step.say(line, failedReply(`enable ${plugin}`, found.error));
        step.audit(line, 'enable', plugin, 'failed', { reason: found.error, confirmed: true });
        return;
      }
      return step.ask(subjects.pluginControl('start'), { dir: found.dir }, timeoutMs, asked, line.meta);
    }
  }
}

/** The answer to one of this actor's requests: said to the admin, and audited with its outcome. */
function onResponse(
  context: AdminContext,
  event: BusResponseEvent,
): { patch: Partial<AdminContext>; sends: BridgeCommand[] } | undefined {
  const asked = event.context;
  if (!isAsked(asked)) return undefined;
  const { input } = context;
  if (asked.kind === 'audit') {
    if (!event.result.ok)
      input.logger.error(`admin audit record (${asked.action}) not stored: ${event.result.error.message}`);
    return undefined;
  }
  const step = new Step(context, context.nextRequest);
  const { line } = asked;
  const finish = () => ({ patch: { nextRequest: step.next }, sends: step.sends });
  const fail = (what: string, result: Result<unknown>, confirmed: boolean) => {
    const reason = result.ok ? 'malformed answer' : result.error.message;
    step.say(line, failedReply(what, reason));
    step.audit(line, asked.verb, asked.plugin ?? 'rosey', 'failed', { reason, confirmed });
    return finish();
  };
  if (asked.kind === 'query') {
    const what = `${input.prefix}admin ${asked.verb}${asked.plugin ? ` ${asked.plugin}` : ''}`;
    if (!event.result.ok) return fail(what, event.result, false);
    const text = queryText(asked, event.result.data);
    if (!text.ok) return fail(what, text, false);
    step.say(line, text.data);
    step.audit(line, asked.verb, asked.plugin ?? 'rosey', 'ok');
    return finish();
  }
  const what = `${asked.verb} ${asked.plugin}`;
  if (!event.result.ok) return fail(what, event.result, true);
  const checked = changeAnswer(asked.verb, event.result.data);
  if (!checked.ok) return fail(what, checked, true);
  if (asked.verb === 'enable' || asked.verb === 'disable') {
    try {
      input.switches?.setDisabled(asked.plugin, asked.verb === 'disable');
    } catch (error) {
      // It runs (or stopped) as asked; only the next start would not know.
      input.logger.error(`${what}: could not record it for the next start: ${errorMessage(error)}`);
    }
  }
  step.say(line, doneReply(asked.verb, asked.plugin, checked.data));
  step.audit(line, asked.verb, asked.plugin, 'ok', { confirmed: true });
  return finish();
}

function queryText(asked: Extract<Asked, { kind: 'query' }>, data: unknown): Result<string> {
  const as = <S extends z.ZodType>(schema: S, text: (d: z.infer<S>) => string): Result<string> => {
    const checked = validate(schema, data);
    return checked.ok ? { ok: true, data: text(checked.data) } : checked;
  };
  if (asked.verb === 'list') return as(pluginListReplySchema, (d) => listReply(d.plugins));
  if (asked.verb === 'metrics') return as(currentMetricsSchema, metricsReply);
  return asked.plugin === undefined
    ? as(statusReplySchema, statusReply)
    : as(pluginInfoReplySchema, pluginStatusReply);
}

/** The plugin manager's answer, checked; a reload's or restart's carries the versions. */
function changeAnswer(
  verb: DestructiveVerb,
  data: unknown,
): Result<z.infer<typeof reloadReplySchema> | undefined> {
  if (verb === 'reload' || verb === 'restart') return validate(reloadReplySchema, data);
  const checked = validate(verb === 'enable' ? pluginStartReplySchema : pluginChangeReplySchema, data);
  return checked.ok ? { ok: true, data: undefined } : checked;
}

/**
 * `!admin` in chat (docs/guides/ADMIN_COMMANDS.md): the operator's commands for the admins named
 * in the config, on the same control plane the CLI uses (`rosey.control.*`). It takes the `!admin`
 * lines the router leaves alone, limits how many each user may send, checks who is asking, asks
 * for a confirmation code before anything that changes what runs, answers by PM where the platform
 * has them, and records every line, allowed or refused, in the audit log (`rosey.audit.admin.*`).
 */
export const adminMachine = setup({
  types: {
    input: {} as AdminInput,
    context: {} as AdminContext,
    events: {} as AdminEvent,
  },
  actors: { bus: busBridge },
  actions: {
    line: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, ['chat.message', 'chat.pm']);
      const step = onLine(context, event.data, event.type === 'chat.pm', event.meta);
      if (!step) return;
      enqueue.assign(step.patch);
      for (const send of step.sends) enqueue.sendTo('bus', send);
    }),
    response: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'bus.response');
      const step = onResponse(context, event);
      if (!step) return;
      enqueue.assign(step.patch);
      for (const send of step.sends) enqueue.sendTo('bus', send);
    }),
  },
}).createMachine({
  id: 'admin',
  context: ({ input }) => ({ input, confirmations: {}, rates: {}, nextRequest: 1 }),
  invoke: {
    id: 'bus',
    src: 'bus',
    input: ({ context }) =>
      bridgeInput(context.input, {
        subscriptions: [
          ...[
            { subject: subjects.message, event: 'chat.message' },
            { subject: subjects.pm, event: 'chat.pm' },
          ].map((line) => ({
            ...line,
            schema: chatMessageSchema,
            // Only `!admin` lines are checked and become events here; the router checks them all.
            when: (data: unknown) => isAdminLine(data, context.input.prefix),
          })),
        ],
      }),
  },
  initial: 'binding',
  on: { 'rosey.shutdown': '.stopped' },
  states: {
    binding: {
      on: { 'bus.bound': { target: 'serving', actions: sendParent(({ self }) => childReady(self)) } },
    },
    serving: {
      on: {
        'chat.message': { actions: 'line' },
        'chat.pm': { actions: 'line' },
        'bus.response': { actions: 'response' },
      },
    },
    stopped: { type: 'final' },
  },
});
