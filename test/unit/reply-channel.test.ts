import { MemoryImChannel } from '../../shared/adapters/memory/servers';
import type { ImEvent } from '../../shared/core/ports';
import type { MessageRecord } from '../../shared/core/types';
import { ReplyChannel } from '../../shared/runtime/reply';

/** The two-way route's channel (shared/runtime/reply.ts): one frame to the caller is the response, more are posted in order. */
const receipt = (status: MessageRecord['status']): ImEvent => ({
  kind: 'receipt',
  message: {
    id: 'm1',
    from: '1',
    fromName: 'a',
    to: '2',
    text: 't',
    via: 'im',
    path: ['im'],
    status,
    clientId: 'c1',
    sentAt: 0,
    updatedAt: 0,
  },
});

test('the only frame to the caller becomes the body; frames to others are posted at once', async () => {
  const inner = new MemoryImChannel();
  const reply = new ReplyChannel(inner, 'me');
  await reply.push('other', receipt('accepted'));
  await reply.push('me', receipt('accepted'));
  expect(inner.eventsOf('other', 'receipt')).toHaveLength(1);
  expect(inner.eventsOf('me', 'receipt')).toEqual([]);
  expect(JSON.parse(reply.body()!)).toMatchObject({ type: 'receipt', status: 'accepted', clientId: 'c1' });
  expect(reply.body()).toBeUndefined();
});

test('a second frame to the caller posts both, in order, and every later one; nothing is left for the body', async () => {
  const inner = new MemoryImChannel();
  const reply = new ReplyChannel(inner, 'me');
  await reply.push('me', receipt('accepted'));
  await reply.push('me', receipt('sent_sms'));
  await reply.push('me', { kind: 'error', code: 'x', message: 'y' });
  expect(inner.eventsOf('me', 'receipt').map((e) => e.message.status)).toEqual(['accepted', 'sent_sms']);
  expect(inner.eventsOf('me', 'error')).toHaveLength(1);
  expect(reply.body()).toBeUndefined();
});

test('an SMS leaving posts the held frame first, and every later one', async () => {
  const inner = new MemoryImChannel();
  const reply = new ReplyChannel(inner, 'me');
  const order: string[] = [];
  const sms = reply.guard({
    name: 'test',
    send: async () => {
      order.push(`sms after ${inner.eventsOf('me', 'receipt').length} posted`);
      return { sid: 'SM1' };
    },
  });
  await reply.push('me', receipt('accepted'));
  await sms.send({ from: '+15005550100', to: '+15005550101', body: 'x' });
  await reply.push('me', receipt('sent_sms'));
  expect(order).toEqual(['sms after 1 posted']);
  expect(inner.eventsOf('me', 'receipt').map((e) => e.message.status)).toEqual(['accepted', 'sent_sms']);
  expect(reply.body()).toBeUndefined();
});

test('the guarded provider keeps its lookup (a retry from this route must be able to ask)', async () => {
  const reply = new ReplyChannel(new MemoryImChannel(), 'me');
  const asked: string[] = [];
  const sms = reply.guard({
    name: 'test',
    send: async () => ({ sid: 'SM1' }),
    find: async (request) => {
      asked.push(request.body);
      return { sid: 'SM0' };
    },
  });
  await expect(sms.find?.({ from: '+15005550100', to: '+15005550101', body: 'x' }, 0)).resolves.toEqual({
    sid: 'SM0',
  });
  expect(asked).toEqual(['x']);
  expect(reply.guard({ name: 'sns', send: async () => ({ sid: 'x' }) }).find).toBeUndefined();
});
