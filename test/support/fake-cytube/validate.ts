/**
 * Payload shape checks that answer with the real server's wording (03:
 * "Unexpected error for message chatMsg: Expected key msg to be of type string, instead got number").
 */

export type FieldType = 'string' | 'number' | 'boolean' | 'object';
export type Shape = Record<string, { type: FieldType | FieldType[]; optional?: boolean }>;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Returns the errorMsg text for a bad payload, or undefined when it fits. */
export function shapeError(event: string, data: unknown, shape: Shape): string | undefined {
  const prefix = `Unexpected error for message ${event}: `;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return `${prefix}Expected type object, got ${typeName(data)}`;
  }
  const obj = data as Record<string, unknown>;
  for (const [key, rule] of Object.entries(shape)) {
    const v = obj[key];
    if (v === undefined && rule.optional) continue;
    const allowed = Array.isArray(rule.type) ? rule.type : [rule.type];
    if (!allowed.includes(typeName(v) as FieldType)) {
      return `${prefix}Expected key ${key} to be of type ${allowed.join(' or ')}, instead got ${typeName(v)}`;
    }
  }
  return undefined;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
