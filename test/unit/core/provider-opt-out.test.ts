import { SmsSendError } from '../../../shared/core/ports';
import { chooseServiceNumber } from '../../../shared/core/im-sms/service-numbers';
import { providerOptOutOf, isProviderOptOut } from '../../../shared/core/im-sms/provider-opt-out';
import { receiveSms } from '../../../shared/core/im-sms/receive';
import { sendInstantMessage } from '../../../shared/core/delivery/send-im';
import { coreWorld, SERVICE_NUMBERS, type CoreWorld } from '../../support/core-deps';

/** Twilio's per-number opt-out beside the app's global one (core/im-sms/provider-opt-out.ts), on in-memory ports. */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});
const [A, B] = SERVICE_NUMBERS;
let sids = 0;
const text = (from: string, body: string, to: string) =>
  receiveSms(w.deps, { messageSid: `SM${++sids}`, from, to, body });

describe('the rules', () => {
  it('reads a text as Twilio does: one word, any case; a sentence or a look-alike is nothing', () => {
    expect(['STOP', 'stopall', ' Quit ', 'OPTOUT', 'revoke'].map(providerOptOutOf)).toEqual(
      Array(5).fill('out'),
    );
    expect(['start', 'YES', 'unstop'].map(providerOptOutOf)).toEqual(['in', 'in', 'in']);
    expect(['STOP NOW', 'ＳＴＯＰ', 'help', 'yes please'].map(providerOptOutOf)).toEqual(Array(4).fill(null));
  });

  it('a refusal is 21610 only (number or string code), never a transient failure', () => {
    expect(isProviderOptOut(new SmsSendError('400', false, 21610))).toBe(true);
    expect(isProviderOptOut(new SmsSendError('400', false, '21610'))).toBe(true);
    expect(isProviderOptOut(new SmsSendError('503', true, 503))).toBe(false);
    expect(isProviderOptOut(new Error('x'))).toBe(false);
  });

  it('chooseServiceNumber passes over blocked numbers, moving a bound contact; all blocked: the pool as is', () => {
    const threads = { [A]: { peer: 'alice', at: 1 } };
    expect(chooseServiceNumber([A, B], threads, 'alice', 2, [A])).toEqual({
      number: B,
      rebind: { peer: 'alice', at: 2 },
    });
    expect(chooseServiceNumber([A, B], threads, 'alice', 2, [A, B]).number).toBe(A);
    expect(chooseServiceNumber([A, B], threads, 'alice', 2).number).toBe(A);
  });
});

describe('following the phone’s texts', () => {
  it('STOP to A, START to B: A stays blocked for the phone; START to A frees it', async () => {
    const bob = await w.user();
    await text(bob.phone, 'STOP', A);
    await text(bob.phone, 'START', B);
    expect((await w.deps.users.getUser(bob.imNumber))?.blockedNumbers).toEqual([A]);
    expect((await w.deps.users.getUser(bob.imNumber))?.optedOut).toBe(false);

    await text(bob.phone, 'unstop', A);
    expect((await w.deps.users.getUser(bob.imNumber))?.blockedNumbers).toBeUndefined();
  });

  it('an ordinary text changes nothing and reads nothing more', async () => {
    const bob = await w.user();
    await text(bob.phone, 'stop by later?', A);
    expect((await w.deps.users.getUser(bob.imNumber))?.blockedNumbers).toBeUndefined();
    expect(w.logs.filter((l) => l.event === 'sms.number_blocked')).toEqual([]);
  });
});

describe('a send refused with 21610', () => {
  it('is tried once, fails number_opted_out, blocks the number; the next message goes from another', async () => {
    const alice = await w.user();
    const bob = await w.user();
    w.sms.failNext = [new SmsSendError('twilio answered 400', false, 21610)];

    await sendInstantMessage(
      w.deps,
      { imNumber: alice.imNumber, name: alice.name, connectionId: 'k1' },
      { to: bob.imNumber, text: 'one', clientId: 'c1' },
    );
    await sendInstantMessage(
      w.deps,
      { imNumber: alice.imNumber, name: alice.name, connectionId: 'k1' },
      { to: bob.imNumber, text: 'two', clientId: 'c2' },
    );

    const messages = [...w.stores.table.messages.values()];
    expect(messages.map((m) => [m.text, m.status, m.reason])).toEqual([
      ['one', 'failed', 'number_opted_out'],
      ['two', 'sent_sms', undefined],
    ]);
    expect(w.logs.filter((l) => l.event === 'sms.send_failed')).toHaveLength(1);
    expect((await w.deps.users.getUser(bob.imNumber))?.blockedNumbers).toEqual([A]);
    expect(w.sms.inbox(bob.phone).map((m) => m.from)).toEqual([B]);
  });
});
