/**
 * `npm run protocol:schema`: writes docs/protocol.schema.json, the JSON Schema (draft 2020-12) of every
 * client → server WebSocket frame, generated with zod's toJSONSchema from the schemas the handlers parse with
 * (every zod schema shared/runtime/frames.ts exports, so a frame added there is picked up without a list here).
 * test/docs/protocol-schema.test.ts fails when the checked-in file drifts from the schemas.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import * as frames from '../shared/runtime/frames';

export const SCHEMA_FILE = path.resolve(__dirname, '..', 'docs', 'protocol.schema.json');

/** The document: one `$defs` entry per exported frame schema (sorted by name), and `oneOf` over them. */
export function protocolSchema(): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(frames).sort(([a], [b]) => a.localeCompare(b))) {
    if (!value || typeof value !== 'object' || !('_zod' in value)) continue;
    const schema = z.toJSONSchema(value as z.ZodMiniType) as Record<string, unknown>;
    delete schema.$schema;
    defs[name] = schema;
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'imsms WebSocket frames, client to server (generated from shared/runtime/frames.ts; do not edit)',
    oneOf: Object.keys(defs).map((name) => ({ $ref: `#/$defs/${name}` })),
    $defs: defs,
  };
}

/** The file's exact text. */
export function protocolSchemaText(): string {
  return JSON.stringify(protocolSchema(), null, 2) + '\n';
}

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, protocolSchemaText());
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}
