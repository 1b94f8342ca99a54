import type { BridgeCommand } from '../bus/bridge.actor.js';
import type { MessageMeta } from '../../contract/envelope.js';
import type { SecurityViolation } from '../../contract/messages/actions.js';
import { capabilityOfAction, type ActionName, type CapabilityName } from '../../contract/capabilities.js';
import type { Logger } from '../../contract/log.js';
import { err } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { platformRequest } from './platform-request.js';

/** A plugin's action, checked against its schema, waiting to be allowed or refused. */
export interface Pending {
  replyId: string;
  plugin: string;
  action: ActionName;
  data: Record<string, unknown>;
  meta: MessageMeta;
}

/**
 * What the gate does with one action: forward it to the platform's connector (the connector's
 * answer is relayed), or refuse it and publish the violation.
 */
export function decide(
  input: { logger: Logger; platforms: string[]; timeoutMs?: number },
  pending: Pending,
  granted: readonly CapabilityName[],
): BridgeCommand[] {
  const capability = capabilityOfAction(pending.action);
  if (!granted.includes(capability)) {
    const reason = `${pending.plugin} was not granted '${capability}'`;
    input.logger.warn(`refused ${pending.action} from ${pending.plugin}: not granted`);
    const violation: SecurityViolation = {
      plugin: pending.plugin,
      action: pending.action,
      capability,
      reason,
      source: 'gate',
      time: Date.now(),
    };
    return [
      { type: 'bus.publish', subject: subjects.securityViolation, data: violation, from: pending.meta },
      { type: 'bus.reply', replyId: pending.replyId, result: err('FORBIDDEN', reason) },
    ];
  }
  const forward = platformRequest(pending.action, pending.data, input.platforms);
  if (!forward.ok) return [{ type: 'bus.reply', replyId: pending.replyId, result: forward }];
  return [
    {
      type: 'bus.request',
      subject: forward.data.subject,
      data: forward.data.payload,
      timeoutMs: input.timeoutMs ?? 15_000,
      requestId: `forward:${pending.replyId}`,
      from: pending.meta,
      context: { replyId: pending.replyId },
    },
  ];
}
