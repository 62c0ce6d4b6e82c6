import { readFileSync } from 'node:fs';
import { protocolSchema, protocolSchemaText, SCHEMA_FILE } from '../../scripts/protocol-schema';
import * as frames from '../../shared/runtime/frames';

/** The checked-in JSON Schema of the WebSocket frames matches the zod schemas the handlers parse with. */
describe('docs/protocol.schema.json', () => {
  it('is what `npm run protocol:schema` generates now (run it after changing shared/runtime/frames.ts)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(protocolSchemaText());
  });

  it('has one definition per exported frame schema, each requiring its action', () => {
    const defs = protocolSchema().$defs as Record<string, { required: string[]; properties: object }>;
    const exported = Object.entries(frames).filter(([, v]) => v && typeof v === 'object' && '_zod' in v);
    expect(Object.keys(defs).sort()).toEqual(exported.map(([k]) => k).sort());
    for (const def of Object.values(defs)) expect(def.required).toContain('action');
  });
});
