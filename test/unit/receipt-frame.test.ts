import { toServerFrame } from '../../shared/adapters/ws-frames';
import { parseServerFrame } from '../../shared/client';
import type { MessageRecord } from '../../shared/core/types';

/**
 * The `accepted` receipt of a message pushed to an online recipient carries the wait the server chose for its
 * ack (`fallbackAfterMs`, docs/protocol.md), so a client can count down to the SMS fallback; no other receipt does.
 */
const message = (p: Partial<MessageRecord>): MessageRecord & { clientId: string } => ({
  id: 'm1',
  from: '11112222',
  fromName: 'Alice',
  to: '33334444',
  text: 'hi',
  via: 'im',
  path: ['im'],
  status: 'accepted',
  clientId: 'c1',
  ackWaitMs: 2_400,
  sentAt: 1,
  updatedAt: 1,
  ...p,
});

describe('receipt frame: fallbackAfterMs', () => {
  it('is the planned ack wait on the accepted receipt of an IM, last, and the client schema takes it', () => {
    const frame = toServerFrame({ kind: 'receipt', message: message({}) });
    const raw = JSON.stringify(frame);
    expect(raw).toBe(
      '{"type":"receipt","clientId":"c1","id":"m1","status":"accepted","path":["im"],"fallbackAfterMs":2400}',
    );
    expect(parseServerFrame(raw)).toEqual({ kind: 'frame', frame: JSON.parse(raw) });
  });

  it.each([
    ['delivered', message({ status: 'delivered' })],
    ['an SMS-only message', message({ path: ['sms'], ackWaitMs: undefined })],
    ['a fallback', message({ status: 'sent_sms', path: ['im', 'sms'] })],
    ['no wait on record', message({ ackWaitMs: undefined })],
  ])('is absent on %s', (_, m) => {
    expect(toServerFrame({ kind: 'receipt', message: m })).not.toHaveProperty('fallbackAfterMs');
  });
});
