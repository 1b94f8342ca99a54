import { fail } from '../database/storage-error.js';
import { LIMITS } from '../../contract/messages/storage-limits.js';
import { checkUnicode } from './json-values.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkKey(key: string, field = 'key'): void {
  if (key.length === 0) fail('VALIDATION_ERROR', `${field}: must not be empty`);
  if (key.length > LIMITS.kvKeyLength)
    fail('VALIDATION_ERROR', `${field}: longer than ${LIMITS.kvKeyLength} characters`);
  if (CONTROL.test(key)) fail('VALIDATION_ERROR', `${field}: must not contain control characters`);
  checkUnicode(key, field);
}
