import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import {
  ASYNCAPI_FILE,
  protocolAsyncApi,
  protocolAsyncApiText,
  protocolSchema,
  protocolSchemaText,
  SCHEMA_FILE,
} from '../../scripts/protocol-schema';
import type * as z from 'zod/mini';
import * as frames from '../../shared/runtime/frames';

const exported = Object.entries(frames).filter(([, v]) => v && typeof v === 'object' && '_zod' in v);

/** The checked-in JSON Schema of the WebSocket frames matches the zod schemas the handlers parse with. */
describe('docs/protocol.schema.json', () => {
  it('is what `npm run protocol:schema` generates now (run it after changing shared/runtime/frames.ts)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(protocolSchemaText());
  });

  it('has one definition per exported frame schema, each requiring its action', () => {
    const defs = protocolSchema().$defs as Record<string, { required: string[]; properties: object }>;
    expect(Object.keys(defs).sort()).toEqual(exported.map(([k]) => k).sort());
    for (const def of Object.values(defs)) expect(def.required).toContain('action');
  });
});

/** The checked-in AsyncAPI 3.0 document of the WebSocket API, from the same schemas. */
describe('docs/protocol.asyncapi.json', () => {
  it('is what `npm run protocol:schema` generates now (run it after changing shared/runtime/frames.ts)', () => {
    expect(readFileSync(ASYNCAPI_FILE, 'utf8')).toBe(protocolAsyncApiText());
  });

  jest.setTimeout(120_000); // the parser loads Spectral's rulesets: seconds on a busy machine

  it('is a valid AsyncAPI 3.0 document (@asyncapi/parser: no errors, no warnings)', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_FILE, 'utf8'));
    // Severity 0 is an error, 1 a warning (Spectral's scale).
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.channels().all().map((c) => c.id())).toEqual(['socket']);
  });

  it('has one received message per frame, whose payload is that frame’s schema and whose name is its action', async () => {
    const { document } = await new Parser().parse(protocolAsyncApiText());
    const received = document!.operations().filterByReceive();
    const defs = protocolSchema().$defs as Record<string, { properties: { action: { const: string } } }>;
    const actions = Object.values(defs).map((d) => d.properties.action.const);
    expect(received.map((o) => o.id()).sort()).toEqual([...actions].sort());
    for (const op of received) {
      const [message] = op.messages().all();
      expect(message.name()).toBe(op.id());
      expect(message.payload()?.properties()?.action?.const()).toBe(op.id());
    }
  });

  it('the parser does report a broken document (so the check above can fail)', async () => {
    const broken = protocolAsyncApi() as { operations: Record<string, { action: string }> };
    broken.operations.ping.action = 'listen';
    const { diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(diagnostics.filter((d) => d.severity === 0).length).toBeGreaterThan(0);
  });

  it('a payload carries the same rules as the JSON Schema (both generated from the zod schema)', () => {
    const doc = protocolAsyncApi() as {
      components: { messages: Record<string, { payload: { properties: Record<string, { pattern?: string }> } }> };
    };
    expect(doc.components.messages.sendMessage.payload.properties.to.pattern).toBe(
      (protocolSchema().$defs as Record<string, { properties: Record<string, { pattern?: string }> }>).sendMessageFrame
        .properties.to.pattern,
    );
  });
});

/**
 * The published schema accepts and refuses what the server's own frame schemas do: a client developer who
 * validates against docs/protocol.schema.json is never stricter or looser than the server on these shapes (an
 * extra key is ignored by the server, so the schema allows it). Rules the core checks after parsing (a text's
 * length in characters, a history limit's range) are in docs/protocol.md.
 */
describe('docs/protocol.schema.json against the server’s parsing', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv2020 = require('ajv/dist/2020').default as new (o: object) => {
    compile(s: object): (d: unknown) => boolean;
  };
  const validate = new Ajv2020({ strict: false }).compile(protocolSchema());
  const samples: Array<[string, unknown]> = [
    ['a ping', { action: 'ping' }],
    ['a ping with an extra key', { action: 'ping', x: 1 }],
    ['a sendMessage with an extra key', { action: 'sendMessage', to: '12345678', text: 'hi', priority: 'high' }],
    ['a sendMessage without text', { action: 'sendMessage', to: '12345678' }],
    ['a setPresence with an extra key', { action: 'setPresence', status: 'online', foo: 1 }],
    ['an unknown action', { action: 'dance' }],
    ['a getContacts with a string version', { action: 'getContacts', since: 'x' }],
  ];
  it.each(samples)('%s: the schema and the server agree', (_what, frame) => {
    const server = exported.some(([, schema]) => (schema as z.ZodMiniType).safeParse(frame).success);
    expect(validate(frame)).toBe(server);
  });
});
