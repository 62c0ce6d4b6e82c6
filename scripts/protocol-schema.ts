/**
 * `npm run protocol:schema`: writes, from the zod schemas the handlers parse with (every zod schema
 * shared/runtime/frames.ts exports, so a frame added there is picked up without a list here):
 * - docs/protocol.schema.json, the JSON Schema (draft 2020-12) of every client → server WebSocket frame;
 * - docs/protocol.asyncapi.json, an AsyncAPI 3.0 document of the WebSocket API: one channel (the socket), one
 *   message and one `receive` operation per client frame and one `send` operation per server frame type
 *   (shared/client/server-frames.ts), payloads as draft-07 JSON Schema (AsyncAPI's schema format).
 * test/docs/protocol-schema.test.ts fails when either checked-in file drifts from the schemas, and validates the
 * AsyncAPI document with @asyncapi/parser.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { serverFrameSchemas } from '../shared/client/server-frames';
import * as frames from '../shared/runtime/frames';

export const SCHEMA_FILE = path.resolve(__dirname, '..', 'docs', 'protocol.schema.json');
export const ASYNCAPI_FILE = path.resolve(__dirname, '..', 'docs', 'protocol.asyncapi.json');

/** Every zod schema frames.ts exports, sorted by export name. */
function frameSchemas(): [string, z.ZodMiniType][] {
  return Object.entries(frames)
    .filter(([, value]) => Boolean(value) && typeof value === 'object' && '_zod' in value)
    .sort(([a], [b]) => a.localeCompare(b)) as [string, z.ZodMiniType][];
}

function jsonSchema(schema: z.ZodMiniType, target: 'draft-2020-12' | 'draft-7'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target, io: 'input' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

/** The document: one `$defs` entry per exported frame schema (sorted by name), and `oneOf` over them. */
export function protocolSchema(): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (const [name, value] of frameSchemas()) defs[name] = jsonSchema(value, 'draft-2020-12');
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

/** The frame's action (its route key): the `const` of its `action` property. */
function actionOf(name: string, schema: Record<string, unknown>): string {
  const action = (schema.properties as Record<string, { const?: unknown }> | undefined)?.action?.const;
  if (typeof action !== 'string') throw new Error(`${name} has no literal action`);
  return action;
}

/**
 * The AsyncAPI 3.0 document of the WebSocket API, as seen from the server (the application it describes): it
 * receives one message per client → server frame (a `receive` operation named after its action) and sends one
 * per server → client frame type (a `send` operation, `<type>Frame`, from the reference client's schemas in
 * shared/client/server-frames.ts, which a compile-time test keeps equal to what the server builds), on one
 * channel, the socket. Payloads are the frames' JSON Schema (draft-07, which AsyncAPI's default schema format
 * accepts).
 */
export function protocolAsyncApi(): Record<string, unknown> {
  const { version } = JSON.parse(readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const messages: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const [name, value] of frameSchemas()) {
    const payload = jsonSchema(value, 'draft-7');
    const action = actionOf(name, payload);
    messages[action] = {
      name: action,
      title: `${action} frame`,
      summary: `The client → server frame {"action":"${action}",…}; see docs/protocol.md.`,
      contentType: 'application/json',
      payload,
    };
    channelMessages[action] = { $ref: `#/components/messages/${action}` };
    operations[action] = {
      action: 'receive',
      channel: { $ref: '#/channels/socket' },
      summary: `A client sends ${action}.`,
      messages: [{ $ref: `#/channels/socket/messages/${action}` }],
    };
  }
  for (const [type, schema] of Object.entries(serverFrameSchemas).sort(([a], [b]) => a.localeCompare(b))) {
    const key = `${type}Frame`;
    messages[key] = {
      name: key,
      title: `${type} frame`,
      summary: `The server → client frame {"type":"${type}",…}; see docs/protocol.md.`,
      contentType: 'application/json',
      payload: jsonSchema(schema as z.ZodMiniType, 'draft-7'),
    };
    channelMessages[key] = { $ref: `#/components/messages/${key}` };
    operations[key] = {
      action: 'send',
      channel: { $ref: '#/channels/socket' },
      summary: `The server sends a ${type} frame.`,
      messages: [{ $ref: `#/channels/socket/messages/${key}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'imsms WebSocket API',
      version,
      description:
        'Generated by `npm run protocol:schema` from shared/runtime/frames.ts (client → server frames, which the ' +
        'server receives) and shared/client/server-frames.ts (server → client frames, which it sends); do not ' +
        'edit. Error codes, limits and the rules of each action are in docs/protocol.md.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: 'localhost:3000',
        pathname: '/ws',
        protocol: 'ws',
        description: 'The local runtime (`npm start`; PORT, default 3000).',
      },
      aws: {
        host: '{apiId}.execute-api.{region}.amazonaws.com',
        pathname: '/{stage}',
        protocol: 'wss',
        description: "The deployed stack: its WebSocketUrl output (API Gateway's WebSocket API).",
        variables: {
          apiId: { description: 'The WebSocket API id.' },
          region: { description: 'The AWS region.', default: 'us-east-1' },
          stage: { description: 'The stage name.' },
        },
      },
    },
    channels: {
      socket: {
        address: null,
        title: 'The socket',
        description:
          'One WebSocket per client, opened with ?token=<session token> (a missing or bad token is refused with ' +
          "401 before the upgrade). Frames are JSON text; `action` selects the route (API Gateway's " +
          '`$request.body.action`).',
        messages: channelMessages,
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              properties: {
                token: { type: 'string', description: 'The session token from POST /auth/verify.' },
              },
              required: ['token'],
            },
            bindingVersion: '0.1.0',
          },
        },
      },
    },
    operations,
    components: { messages },
  };
}

/** The AsyncAPI file's exact text. */
export function protocolAsyncApiText(): string {
  return JSON.stringify(protocolAsyncApi(), null, 2) + '\n';
}

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, protocolSchemaText());
  writeFileSync(ASYNCAPI_FILE, protocolAsyncApiText());
  for (const file of [SCHEMA_FILE, ASYNCAPI_FILE])
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
