import { REPLIES } from '../../shared/core/im-sms/receive';
import { http, inbox, signUp } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * Twilio's own opt-out works per pair (the number that got STOP refuses that phone, error 21610, until the phone
 * texts START to that same number); the app's STOP is global. Through the whole local stack, whose sandbox
 * models Twilio's rule: a START to another number must not leave the phone's thread on a number Twilio still
 * refuses, and a refusal is not retried and fails the message with its own reason.
 */
const logs: string[] = [];
const e2e = useLocalStack('e2e-provider-opt-out', { onLog: (line) => logs.push(line) });

let n = 800;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;
const numbers = () => e2e.stack.config.serviceNumbers;
const phoneTexts = async (from: string, body: string, to: string) => {
  const res = await http(e2e.base, 'POST', '/sandbox/sms', { from, to, body });
  expect(res.status).toBe(201);
  return res.json as { webhookStatus: number; replies: Array<{ body: string; from: string }> };
};
/** What the phone got from the service, newest last (sign-in codes left out). */
const chat = async (phone: string) => (await inbox(e2e.base, phone)).filter((m) => !/IM code/.test(m.body));

it('STOP to one number, START to another: the next message reaches the phone from a number Twilio takes', async () => {
  const alice = await signUp(e2e.base, newPhone(), 'optalice');
  const bob = await signUp(e2e.base, newPhone(), 'optbob');
  const a = await e2e.connect(alice);
  a.send({ action: 'sendMessage', to: bob.imNumber, text: 'first', clientId: 'po-1' });
  await a.waitFor((f) => f.type === 'receipt' && f.clientId === 'po-1' && f.status === 'delivered_sms');
  const thread = (await chat(bob.phone)).at(-1)!.from;
  const other = numbers().find((x) => x !== thread)!;

  // Twilio takes the STOP for `thread` only, and refuses the app's TwiML confirmation from it (21610).
  expect((await phoneTexts(bob.phone, 'STOP', thread)).replies).toEqual([]);
  expect((await phoneTexts(bob.phone, 'START', other)).replies.map((r) => r.body)).toEqual([REPLIES.start]);

  a.send({ action: 'sendMessage', to: bob.imNumber, text: 'second', clientId: 'po-2' });
  const receipt = await a.waitFor(
    (f) => f.type === 'receipt' && f.clientId === 'po-2' && ['delivered_sms', 'failed'].includes(f.status),
  );
  expect(receipt.status).toBe('delivered_sms');
  const last = (await chat(bob.phone)).at(-1)!;
  expect(last.body).toContain('second');
  expect(last.from).not.toBe(thread);
});

it('a send Twilio refuses with 21610 is not retried: failed number_opted_out, and the next goes from another number', async () => {
  const [alice, carol] = [
    await signUp(e2e.base, newPhone(), 'refalice'),
    await signUp(e2e.base, newPhone(), 'refcarol'),
  ];
  // The phone opted out of the second number before it had an account, so the app never saw that block; then it
  // texted START to the first (the app's opt-out is cleared; Twilio still refuses the second).
  const phone = newPhone();
  await phoneTexts(phone, 'STOP', numbers()[1]);
  await phoneTexts(phone, 'START', numbers()[0]);
  const bob = await signUp(e2e.base, phone, 'refbob');
  const [a, c] = [await e2e.connect(alice), await e2e.connect(carol)];
  const settled = (clientId: string) => (f: Record<string, unknown>) =>
    f.type === 'receipt' &&
    f.clientId === clientId &&
    ['delivered_sms', 'failed'].includes(f.status as string);

  // Alice's thread takes the first number; Carol's the next free one, the refused number.
  a.send({ action: 'sendMessage', to: bob.imNumber, text: 'from alice', clientId: 'rf-a' });
  expect(await a.waitFor(settled('rf-a'))).toMatchObject({ status: 'delivered_sms' });
  c.send({ action: 'sendMessage', to: bob.imNumber, text: 'from carol 1', clientId: 'rf-c1' });
  expect(await c.waitFor(settled('rf-c1'))).toMatchObject({ status: 'failed', reason: 'number_opted_out' });
  const refusals = logs.filter((l) => l.includes('"sms.send_failed"') && l.includes('21610'));
  expect(refusals).toHaveLength(1);

  c.send({ action: 'sendMessage', to: bob.imNumber, text: 'from carol 2', clientId: 'rf-c2' });
  expect(await c.waitFor(settled('rf-c2'))).toMatchObject({ status: 'delivered_sms' });
  const got = await chat(bob.phone);
  expect(got.map((m) => m.body.includes('from carol 2') && m.from !== numbers()[1])).toContain(true);
  expect(got.some((m) => m.from === numbers()[1])).toBe(false);
});

it('sign-in: a code still reaches a phone that texted STOP to the first number and START to another', async () => {
  const phone = newPhone();
  const bob = await signUp(e2e.base, phone, 'codebob');
  await phoneTexts(phone, 'STOP', numbers()[0]);
  await phoneTexts(phone, 'START', numbers()[1]);
  const before = (await inbox(e2e.base, phone)).length;
  const res = await http(e2e.base, 'POST', '/auth/start', { phone });
  expect(res.status).toBe(202);
  const codes = (await inbox(e2e.base, phone)).slice(before).filter((m) => /IM code/.test(m.body));
  expect(codes.map((m) => m.from)).toEqual([numbers()[1]]);
  expect(bob.imNumber).toMatch(/^\d+$/);

  // Every number refused to the phone at the provider, though the app's own opt-out is cleared ("Start." is START to
  // the app; Twilio takes only the bare word): a clear 403 naming what to do, not a 503 to try again later.
  const blocked = newPhone();
  for (const n of numbers()) await phoneTexts(blocked, 'STOP', n);
  await phoneTexts(blocked, 'Start.', numbers()[0]);
  const refused = await http(e2e.base, 'POST', '/auth/start', { phone: blocked });
  expect(refused.status).toBe(403);
  expect(refused.json).toMatchObject({
    error: { code: 'opted_out', message: expect.stringMatching(/text START/) },
  });
});
