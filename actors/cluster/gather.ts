import { createInbox, type NatsConnection } from '../../contract/nats.js';
import { z } from '../../contract/zod.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import { validate } from '../../contract/validate.js';

const answered = z.object({ ok: z.literal(true), data: z.unknown() });

/**
 * Scatter-gather on one subject: every subscriber answers the same request, and the answers are
 * collected until `deadlineMs` has passed or every name in `expected` has answered (so a healthy
 * cluster answers at once, and a silent node costs the deadline, not a hang). Answers that do not
 * match `schema` (a node of another version, garbage) are left out; `invalid` counts them.
 */
export async function gather<S extends z.ZodType<{ node: string }>>(
  nc: NatsConnection,
  subject: string,
  options: { schema: S; deadlineMs: number; expected: ReadonlySet<string> },
): Promise<{ answers: Map<string, z.output<S>>; invalid: number }> {
  const answers = new Map<string, z.output<S>>();
  let invalid = 0;
  const inbox = createInbox();
  const sub = nc.subscribe(inbox);
  const timer = setTimeout(() => sub.unsubscribe(), options.deadlineMs);
  nc.publish(subject, encodeJson({}), { reply: inbox });
  try {
    for await (const msg of sub) {
      // Each node answers as every Rosey service does: `{ok: true, data}`.
      const decoded = decodeJson(msg.data);
      const data = decoded.ok ? answered.safeParse(decoded.data) : undefined;
      const checked = data?.success ? validate(options.schema, data.data.data) : undefined;
      if (checked?.ok) answers.set(checked.data.node, checked.data);
      else invalid++;
      if ([...options.expected].every((node) => answers.has(node))) break;
    }
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
  return { answers, invalid };
}
