import { toServerFrame } from '../../shared/adapters/ws-frames';
import { parseServerFrame } from '../../shared/client';
import { sendReceipt } from '../../shared/core/delivery/receipts';
import { DomainError, tooMany } from '../../shared/core/errors';
import { admitFrame } from '../../shared/core/login-status/presence';
import type { MessageRecord } from '../../shared/core/types';
import { wsErrorAnswer } from '../../shared/runtime/error-mappers';
import { ackIdOf } from '../../shared/runtime/frames';
import { coreWorld } from '../support/core-deps';

/**
 * What lets a client tell which frame an `error` answers, and when to send again (docs/protocol.md, "Server →
 * client"): an ack's error names its `id`, a sendMessage's its `clientId`, a `rate_limited` one says
 * `retryAfterMs`; and every receipt names its sendMessage's clientId.
 */
const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('ackIdOf: the id an ack error names', () => {
  it.each([
    ['{"action":"ack","id":"m-1"}', 'm-1'],
    [`{"action":"ack","id":"${'x'.repeat(64)}"}`, 'x'.repeat(64)],
  ])('takes the id of %s', (raw, id) => {
    expect(ackIdOf(raw)).toBe(id);
  });

  it.each([
    ['no id', '{"action":"ack"}'],
    ['an empty id', '{"action":"ack","id":""}'],
    ['an id over 64 characters', `{"action":"ack","id":"${'x'.repeat(65)}"}`],
    ['a number', '{"action":"ack","id":7}'],
    ['not JSON', '{oops'],
    ['null', 'null'],
    ['nothing', undefined],
  ])('is undefined for %s, and never throws', (_, raw) => {
    expect(ackIdOf(raw)).toBeUndefined();
  });
});

describe('wsErrorAnswer: the error frame names what it answers', () => {
  it('names the ack id and the clientId it is given, and nothing when given none', () => {
    const err = new DomainError('unknown_message', 'no message with that id was sent to you');
    expect(wsErrorAnswer(err, log, 'ws-ack', 'c1', { id: 'm1' }).event).toEqual({
      kind: 'error',
      code: 'unknown_message',
      message: 'no message with that id was sent to you',
      id: 'm1',
    });
    expect(wsErrorAnswer(err, log, 'ws-send-message', 'c1', { clientId: 'k' }).event).toEqual({
      kind: 'error',
      code: 'unknown_message',
      message: 'no message with that id was sent to you',
      clientId: 'k',
    });
    expect(wsErrorAnswer(err, log, 'ws-ping', 'c1').event).toEqual({
      kind: 'error',
      code: 'unknown_message',
      message: 'no message with that id was sent to you',
    });
  });

  it('gives a rate_limited refusal’s wait in ms (whole seconds), and no other error one', () => {
    const limited = tooMany('too many frames; slow down and try again', 'rate_limited', 6_500);
    expect(wsErrorAnswer(limited, log, 'ws-ping', 'c1').event).toMatchObject({ retryAfterMs: 7_000 });
    expect(wsErrorAnswer(tooMany('x', 'rate_limited'), log, 'w', 'c1').event).not.toHaveProperty(
      'retryAfterMs',
    );
    expect(wsErrorAnswer(new Error('boom'), log, 'w', 'c1').event).toEqual({
      kind: 'error',
      code: 'internal',
      message: 'internal error',
    });
  });

  it('renders id and retryAfterMs on the wire after clientId, and the client schema takes them', () => {
    const frame = toServerFrame({
      kind: 'error',
      code: 'rate_limited',
      message: 'slow down',
      clientId: 'k',
      id: 'm1',
      retryAfterMs: 1000,
    });
    const raw = JSON.stringify(frame);
    expect(raw).toBe(
      '{"type":"error","code":"rate_limited","message":"slow down","clientId":"k","id":"m1","retryAfterMs":1000}',
    );
    expect(parseServerFrame(raw)).toEqual({ kind: 'frame', frame: JSON.parse(raw) });
  });
});

describe('admitFrame says when the frame limits free', () => {
  it('refuses with the time to the end of the window', async () => {
    const w = coreWorld({ WS_FRAMES_PER_CONNECTION: '1', WS_RATE_WINDOW_SECONDS: '10' });
    w.clock.advance(3_500); // the clock starts on a window edge
    await admitFrame(w.deps, '10000001', 'c1');
    const refused = await admitFrame(w.deps, '10000001', 'c1').catch((e: DomainError) => e);
    expect(refused).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 7 });
  });
});

describe('sendReceipt: every receipt names its clientId', () => {
  const record = (over: Partial<MessageRecord>): MessageRecord => ({
    id: 'm1',
    from: '11112222',
    fromName: 'Alice',
    to: '33334444',
    text: 'hi',
    via: 'im',
    path: ['im'],
    status: 'delivered',
    sentAt: 1,
    updatedAt: 1,
    ...over,
  });

  it('sends the receipt of a message sent over IM with its clientId to the connection that sent it', async () => {
    const w = coreWorld();
    await sendReceipt(w.deps, record({ clientId: 'k1', originConnectionId: 'a1' }));
    const [event] = w.im.eventsOf('a1', 'receipt');
    expect(toServerFrame(event)).toMatchObject({ type: 'receipt', clientId: 'k1', id: 'm1' });
  });

  it('sends none for a record without a clientId or a connection (a text from a phone)', async () => {
    const w = coreWorld();
    await sendReceipt(w.deps, record({ originConnectionId: 'a1' }));
    await sendReceipt(w.deps, record({ clientId: 'k1' }));
    expect(w.im.eventsOf('a1')).toEqual([]);
  });
});
