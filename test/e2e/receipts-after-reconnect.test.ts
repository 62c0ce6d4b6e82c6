import { useLocalStack } from '../support/e2e-stack';
import { ImClient, signUp, type E2eUser } from '../support/e2e-client';

/**
 * A sender that reconnects while its message is in flight, and resends it with the same clientId (the documented
 * way to learn where it stands), gets the receipts still to come on its new connection: they used to go to the
 * closed one, so the client saw `accepted` and never `delivered` (nor `sent_sms` after a fallback).
 */

const local = useLocalStack('receipts-reconnect', { env: { ACK_TIMEOUT_MS: '60000' } });
let alice: E2eUser;
let bob: E2eUser;
beforeAll(async () => {
  alice = await signUp(local.base, '+14155550181', 'alice');
  bob = await signUp(local.base, '+14155550182', 'bob');
}, 60_000);

it('moves the receipts still to come to the connection that resent the message', async () => {
  const b = await ImClient.connect(local.base, bob.token);
  b.autoAck = false; // Bob holds his ack until Alice is back.
  const first = await ImClient.connect(local.base, alice.token);
  const cid = 'reconnect-1';
  first.send({ action: 'sendMessage', to: bob.imNumber, text: 'hello', clientId: cid });
  const accepted = await first.waitFor((f) => f.type === 'receipt' && f.clientId === cid);
  expect(accepted.status).toBe('accepted');
  const pushed = await b.waitFor((f) => f.type === 'message' && f.text === 'hello');
  await first.close();

  const again = await ImClient.connect(local.base, alice.token);
  again.send({ action: 'sendMessage', to: bob.imNumber, text: 'hello', clientId: cid });
  const answer = await again.waitFor((f) => f.type === 'receipt' && f.clientId === cid);
  expect(answer).toMatchObject({ id: accepted.id, status: 'accepted' });

  b.send({ action: 'ack', id: pushed.id });
  const delivered = await again.waitFor(
    (f) => f.type === 'receipt' && f.clientId === cid && f.status === 'delivered',
  );
  expect(delivered.id).toBe(accepted.id);
  // Bob got it once: the resend pushed nothing.
  expect(b.of('message').filter((f) => f.text === 'hello')).toHaveLength(1);
  await Promise.all([again.close(), b.close()]);
});

it('a resend after the message settled answers where it stands, and moves nothing', async () => {
  const b = await ImClient.connect(local.base, bob.token);
  const first = await ImClient.connect(local.base, alice.token);
  const cid = 'reconnect-2';
  first.send({ action: 'sendMessage', to: bob.imNumber, text: 'settled', clientId: cid });
  await first.waitFor((f) => f.type === 'receipt' && f.clientId === cid && f.status === 'delivered');
  await first.close();
  const again = await ImClient.connect(local.base, alice.token);
  again.send({ action: 'sendMessage', to: bob.imNumber, text: 'settled', clientId: cid });
  const answer = await again.waitFor((f) => f.type === 'receipt' && f.clientId === cid);
  expect(answer.status).toBe('delivered');
  await Promise.all([again.close(), b.close()]);
});
