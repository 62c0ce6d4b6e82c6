import fc from 'fast-check';
import { LOCAL_UNORDERED_ROUTES } from '../../../infra/local/stack';
import type { ImClient, Frame } from '../../support/e2e-client';

/** The error codes the protocol documents for `error` frames (docs/protocol.md); `internal` is not a valid answer. */
export const FRAME_ERROR_CODES = [
  'bad_json',
  'bad_frame',
  'unknown_action',
  'invalid_recipient',
  'invalid_text',
  'invalid_client_id',
  'unknown_recipient',
  'unknown_message',
  'client_id_reused',
];

const ACTIONS = ['sendMessage', 'ack', 'setPresence', 'ping', '$connect', '$disconnect', '$default', 'x', ''];

/** A value of any JSON-ish shape: strings (including any Unicode), numbers, booleans, null, arrays, objects. */
export function anyJsonishValue(maxLength: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  );
}

/** Any string a client could put in a text frame: noise, JSON of any shape, and near-valid frames. */
export function frameArbitrary(imNumbers: string[]): fc.Arbitrary<string> {
  const anyValue = anyJsonishValue(80);
  const nearValid = fc
    .record(
      {
        action: fc.oneof(fc.constantFrom(...ACTIONS), anyValue),
        to: fc.oneof(fc.constantFrom(...imNumbers, '99999999', '0', '1234567890123'), anyValue),
        text: fc.oneof(
          fc.string({ minLength: 1, maxLength: 60 }),
          fc.string({ unit: 'grapheme', maxLength: 60 }),
          fc.constantFrom(' ', '\u0000', '\ud800', 'x'.repeat(4001), '😀'.repeat(4000)),
          anyValue,
        ),
        clientId: fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[!-~]{1,64}$/), anyValue),
        id: fc.oneof(fc.string({ maxLength: 70 }), anyValue),
        status: fc.oneof(fc.constantFrom('online', 'offline', 'away'), anyValue),
        constructor: anyValue,
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o));
  const crafted = fc.constantFrom(
    '{"action":"sendMessage","__proto__":{"to":"12345678","text":"x","clientId":"p"}}',
    '{"action":"setPresence","status":"offline","__proto__":{"status":"online"}}',
    '{"action":"ack","id":{"$ne":null}}',
    '{"action":"toString"}',
    '{"action":"constructor"}',
    '{"action":"hasOwnProperty"}',
    '{"action":"sendMessage","action":"ping"}',
    '[{"action":"ping"}]',
    '"ping"',
    'null',
    '',
    '{"action":"ping"',
    '\ufeff{"action":"ping"}',
  );
  // Valid sends with any text: they reach routing, the IM push and the SMS encoder.
  const validSend = fc
    .record({
      action: fc.constant('sendMessage'),
      to: fc.constantFrom(...imNumbers),
      text: fc
        .oneof(
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
        )
        .filter((t) => t.trim() !== ''),
      clientId: fc.stringMatching(/^[!-~]{1,64}$/),
    })
    .map((o) => JSON.stringify(o));
  return fc.oneof(
    { arbitrary: crafted, weight: 1 },
    { arbitrary: validSend, weight: 2 },
    { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
    { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
    { arbitrary: nearValid, weight: 4 },
  );
}

let sentinels = 0;

/**
 * Whether the local gateway runs this frame beside its connection's ordered queue (its route is one of
 * LOCAL_UNORDERED_ROUTES, chosen as the gateway chooses: the `action` of the parsed JSON object), so that its
 * answer may come after a later frame's.
 */
function routedBeside(raw: string): boolean {
  let action: unknown;
  try {
    action = (JSON.parse(raw) as { action?: unknown } | null)?.action;
  } catch {
    return false;
  }
  return typeof action === 'string' && LOCAL_UNORDERED_ROUTES.includes(action);
}

/**
 * Sends one frame over a real socket, then a sentinel frame whose error answer is recognisable by its
 * clientId, and returns what came back for the first. A connection's frames are handled in order, so its
 * answers come before the sentinel's; a frame the gateway runs beside that order (an ack) answers once
 * whenever it is done, so for one of those this also waits for that one answer.
 * @throws when the sentinel's answer, or the one answer of a frame run beside the order, is not in within `timeoutMs`.
 */
export async function exchange(client: ImClient, raw: string, timeoutMs = 5000): Promise<Frame[]> {
  const clientId = `sentinel-${++sentinels}`;
  const beside = routedBeside(raw);
  const from = client.frames.length;
  const isSentinel = (f: Frame) => f.clientId === clientId;
  const answered = () => {
    const after = client.frames.slice(from);
    return after.some(isSentinel) && (!beside || after.some((f) => !isSentinel(f)));
  };
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.ws.off('message', check);
      reject(new Error(`no answer to the ${beside ? 'frame or the ' : ''}sentinel after ${timeoutMs} ms`));
    }, timeoutMs);
    // ImClient records the frame in its own 'message' listener, registered first.
    function check() {
      if (!answered()) return;
      clearTimeout(timer);
      client.ws.off('message', check);
      resolve();
    }
    client.ws.on('message', check);
  });
  client.ws.send(raw);
  client.send({ action: 'sendMessage', to: '1', text: '', clientId });
  await done;
  const answers = client.frames.slice(from);
  if (beside) return answers.filter((f) => !isSentinel(f));
  return answers.slice(0, answers.findIndex(isSentinel));
}

/** Whether a frame is one the protocol allows the server to send; the gateway's own failure frames are not. */
export function isProtocolFrame(f: Frame): boolean {
  switch (f.type) {
    case 'error':
      return FRAME_ERROR_CODES.includes(f.code) && typeof f.message === 'string';
    case 'receipt':
      return ['accepted', 'delivered', 'sent_sms', 'delivered_sms', 'failed'].includes(f.status);
    case 'message':
    case 'pong':
    case 'presence':
      return true;
    default:
      return false;
  }
}
