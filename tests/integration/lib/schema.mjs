// The committed event JSON Schema, compiled once (ajv, strict mode).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { SOURCE_DIR } from './daemon.mjs';

const schema = JSON.parse(readFileSync(path.join(SOURCE_DIR, 'config/event.schema.json'), 'utf8'));
export const validateEvent = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

// Asserts-friendly: null if valid, else the errors as text.
export function schemaErrors(event) {
  return validateEvent(event) ? null : JSON.stringify(validateEvent.errors);
}
