import { ImError } from '../../shared/client';
import { useLocalStack } from '../support/e2e-stack';
import { eventually, ImClient, inbox, signUp, type E2eUser } from '../support/e2e-client';

/**
 * sendMessage's clientId through the real local stack and real sockets: a resend of the same message (same
 * recipient, same text) is answered with the original's receipt and sends nothing again; a different message
 * under a used clientId is refused with `client_id_reused` (naming the clientId) and is neither stored, pushed
 * nor texted, where it used to be dropped in silence behind the original's receipt.
 */

const lines: string[] = [];
const local = useLocalStack('client-id', { env: { LOG_LEVEL: 'debug' }, onLog: (line) => lines.push(line) });
let alice: E2eUser;
let bob: E2eUser;
let carol: E2eUser;
beforeAll(async () => {
  alice = await signUp(local.base, '+14155550171', 'alice');
  bob = await signUp(local.base, '+14155550172', 'bob');
  carol = await signUp(local.base, '+14155550173', 'carol'); // never online: her messages go by SMS
}, 60_000);

const texts = (c: ImClient) => c.of('message').map((f) => f.text as string);

it('answers a resend with the original receipt, and refuses another message under the same clientId', async () => {
  const a = await ImClient.connect(local.base, alice.token);
  const b = await ImClient.connect(local.base, bob.token);
  const cid = 'reuse-1';
  const mine = () => a.frames.filter((f) => f.clientId === cid);

  a.send({ action: 'sendMessage', to: bob.imNumber, text: 'one', clientId: cid });
  const first = await a.waitFor((f) => f.type === 'receipt' && f.clientId === cid);
  await b.waitFor((f) => f.type === 'message' && f.text === 'one');

  // The same message again: a receipt of the original (same id), nothing new for Bob.
  const seen = mine().length;
  a.send({ action: 'sendMessage', to: bob.imNumber, text: 'one', clientId: cid });
  const again = await eventually(() => mine()[seen]);
  expect(again).toMatchObject({ type: 'receipt', id: first.id });

  // Another text, then another recipient, under the same clientId: each refused, naming the clientId.
  for (const [to, text] of [
    [bob.imNumber, 'TWO different'],
    [carol.imNumber, 'one'],
  ]) {
    const before = mine().length;
    a.send({ action: 'sendMessage', to, text, clientId: cid });
    const refused = await eventually(() => mine().find((f, i) => i >= before && f.type === 'error'));
    expect(refused).toMatchObject({ type: 'error', code: 'client_id_reused', clientId: cid });
    expect(refused.message).toMatch(/^clientId /);
  }

  // The reference client rejects its promise with the code.
  const viaClient = await a.api.sendMessage({ to: bob.imNumber, text: 'three', clientId: cid }).then(
    () => 'resolved',
    (err: unknown) => (err instanceof ImError ? err.code : String(err)),
  );
  expect(viaClient).toBe('client_id_reused');

  // Nothing of the refused ones went anywhere: later messages with fresh clientIds arrive alone after 'one'.
  a.send({ action: 'sendMessage', to: bob.imNumber, text: 'marker', clientId: 'reuse-2' });
  a.send({ action: 'sendMessage', to: carol.imNumber, text: 'marker', clientId: 'reuse-3' });
  await b.waitFor((f) => f.type === 'message' && f.text === 'marker');
  const sms = await eventually(async () => {
    const got = await inbox(local.base, carol.phone);
    return got.some((m) => m.body.endsWith('marker')) ? got : undefined;
  });
  expect(texts(b)).toEqual(['one', 'marker']);
  expect(sms.filter((m) => m.body.includes('@'))).toEqual([
    expect.objectContaining({ body: `alice @${alice.imNumber}: marker` }),
  ]);

  // The refusal is logged with the kept message's id only: no text, no phone.
  const logged = lines.filter((l) => l.includes('message.client_id_reused'));
  expect(logged.length).toBe(3);
  for (const l of logged) {
    expect(l).not.toMatch(/TWO different|three|\+1415555017/);
    expect(l).toContain(first.id);
  }
  await a.close();
  await b.close();
});
