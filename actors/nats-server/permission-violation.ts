import type { SecurityViolation } from '../../contract/messages/actions.js';
import { capabilityOfAction, capabilityOfEvent, parseActionSubject } from '../../contract/capabilities.js';

const LINE = /(Publish|Subscription) Violation - User "plugin-([a-z0-9-]+)", Subject "([^"]+)"/;

/** The capability a refused subject belonged to, when it is one of a capability's subjects. */
function capabilityOf(plugin: string, subject: string): string | undefined {
  const action = parseActionSubject(subject);
  if (action?.plugin === plugin) return capabilityOfAction(action.action);
  const event = capabilityOfEvent(subject);
  if (event) return event;
  if (new RegExp(`^rosey\\.db\\.(kv|row|migrate|audit)\\.${plugin}\\.`).test(subject)) return 'storage';
  return undefined;
}

/**
 * A plugin's refused publish or subscribe, from the embedded nats-server's log line (the server
 * refuses it and logs it; the plugin only gets an error it could hide). Undefined for other lines.
 */
export function permissionViolation(line: string, now = Date.now()): SecurityViolation | undefined {
  const match = LINE.exec(line);
  if (!match) return undefined;
  const [, kind, plugin, subject] = match as unknown as [string, string, string, string];
  const capability = capabilityOf(plugin, subject);
  const verb = kind === 'Publish' ? 'publish on' : 'subscribe to';
  return {
    plugin,
    action: subject,
    ...(capability ? { capability } : {}),
    reason: capability
      ? `${plugin} was not granted '${capability}': the NATS server refused to let it ${verb} ${subject}`
      : `the NATS server refused to let ${plugin} ${verb} ${subject}`,
    source: 'nats',
    time: now,
  };
}
