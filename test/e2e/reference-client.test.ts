import type { ErrorFrame, HistoryFrame } from '../../shared/client';
import { eventually, signUp, type E2eUser } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * The reference client (shared/client) against the whole local stack, where answers can come out of the order
 * its calls were made in: an ack's error (acks run in a lane of their own) and the late answer of a call that
 * timed out. reference-client-limits.test.ts has the frame limits' `rate_limited` in a many-page read.
 */
const local = useLocalStack('reference-client');

let n = 100;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;

describe('answers that come out of order', () => {
  let alice: E2eUser;
  let bob: E2eUser;
  beforeAll(async () => {
    alice = await signUp(local.base, newPhone());
    bob = await signUp(local.base, newPhone());
  }, 60_000);

  it('the error answering an ack names its id, is an error event, and never settles a call', async () => {
    const im = (await local.connect(alice)).api;
    const errors: ErrorFrame[] = [];
    im.on('error', (e) => errors.push(e));
    // The ack's error may come before or after the call's answer: several rounds give it both chances.
    for (let i = 0; i < 5; i++) {
      im.ack(`not-mine-${i}`);
      await expect(im.ping()).resolves.toEqual({ type: 'pong' });
    }
    im.ack('not-mine-last');
    await expect(im.addContact({ imNumber: bob.imNumber })).resolves.toMatchObject({
      type: 'contact',
      op: 'added',
      contact: { imNumber: bob.imNumber },
    });
    await eventually(() => (errors.length === 6 ? true : undefined));
    expect(errors.map((e) => e.id).sort()).toEqual([
      'not-mine-0',
      'not-mine-1',
      'not-mine-2',
      'not-mine-3',
      'not-mine-4',
      'not-mine-last',
    ]);
    for (const e of errors) expect(e).toMatchObject({ type: 'error', code: 'unknown_message' });
    expect(errors.some((e) => 'clientId' in e)).toBe(false);
  }, 60_000);

  it('the late answer of a call that timed out is not taken for the next call’s: paging gets the right page', async () => {
    const carol = await signUp(local.base, newPhone());
    const client = await local.connect(carol);
    const im = client.api;
    await im.addContact({ imNumber: bob.imNumber });
    for (let i = 0; i < 3; i++) {
      const receipt = await im.sendMessage({ to: bob.imNumber, text: `msg ${i}` });
      expect(receipt.clientId).toEqual(expect.any(String)); // every receipt names its send
    }
    await eventually(async () => {
      const all = await im.history({ with: bob.imNumber });
      return all.messages.length === 3 ? true : undefined;
    });
    const newest = await im.history({ with: bob.imNumber, limit: 1 });
    expect(newest.messages.map((m) => m.text)).toEqual(['msg 2']);

    // The answer is held back (the socket reads nothing) until the call has timed out: it comes late.
    client.ws.pause();
    im.timeoutMs = 50;
    await expect(im.history({ with: bob.imNumber, limit: 1 })).rejects.toMatchObject({ code: 'timeout' });
    im.timeoutMs = 15_000;
    client.ws.resume();
    const older: HistoryFrame = await im.history({ with: bob.imNumber, limit: 2, before: newest.next });
    expect(older.messages.map((m) => m.text)).toEqual(['msg 1', 'msg 0']);
    // And the line goes on as before.
    await expect(im.ping()).resolves.toEqual({ type: 'pong' });
  }, 60_000);
});
