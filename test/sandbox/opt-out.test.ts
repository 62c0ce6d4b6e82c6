import { TwilioSmsProvider } from '../../shared/adapters/twilio-sms';
import { SmsSendError } from '../../shared/core/ports';
import { twilioOptOutOf } from '../../infra/local/sandbox/inbound-sms';
import { ACCOUNT_SID, AUTH_TOKEN, call, PHONE, SERVICE_NUMBERS, withSandbox } from './support/harness';

/**
 * Twilio's default opt-out handling, as the sandbox models it: per pair. A phone that texts an opt-out word to a
 * service number gets nothing more from that number (REST create and TwiML reply: 21610) until it texts an opt-in
 * word to that same number; its other pairs are untouched, and the text still reaches the app.
 */
describe('per-number opt-out (Twilio error 21610)', () => {
  const ctx = withSandbox();
  const [A, B] = SERVICE_NUMBERS;
  const provider = () =>
    new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: ctx.net.url });
  const texts = (from: string, to: string, body: string) =>
    call(ctx.net.url, 'POST', '/sandbox/sms', { from, to, body });
  const refusal = async (from: string) =>
    provider()
      .send({ from, to: PHONE, body: 'hi' })
      .then(
        () => null,
        (err: SmsSendError) => ({ retryable: err.retryable, code: err.providerCode }),
      );

  it('reads the words as Twilio does: one word, any case, spaces around; not a sentence', () => {
    expect(
      ['STOP', ' stop ', 'StopAll', 'unsubscribe', 'cancel', 'END', 'quit', 'revoke', 'optout'].map(
        twilioOptOutOf,
      ),
    ).toEqual(Array(9).fill(true));
    expect(['START', 'yes', 'Unstop'].map(twilioOptOutOf)).toEqual([false, false, false]);
    expect(['STOP PLEASE', 'please cancel', 'stop!', 'help', ''].map(twilioOptOutOf)).toEqual(
      Array(5).fill(undefined),
    );
  });

  it('STOP to one number: that number refuses the phone (400, 21610, permanent); the other still sends', async () => {
    await texts(PHONE, A, 'stop');

    expect(ctx.app.received('/twilio/sms').at(-1)?.params.Body).toBe('stop');
    expect(await refusal(A)).toEqual({ retryable: false, code: 21610 });
    expect(await refusal(B)).toBeNull();
  });

  it('START to another number changes nothing for the first; START to the first frees it', async () => {
    await texts(PHONE, A, 'STOP');
    await texts(PHONE, B, 'START');
    expect(await refusal(A)).toEqual({ retryable: false, code: 21610 });

    await texts(PHONE, A, 'unstop');
    expect(await refusal(A)).toBeNull();
  });

  it('the app’s TwiML reply to the STOP is refused (21610) and logged; a reply from another number goes', async () => {
    ctx.app.on('/twilio/sms', {
      body: `<Response><Message>bye</Message><Message from="${B}">from B</Message></Response>`,
    });

    const res = await texts(PHONE, A, 'STOP');

    expect(res.body.replies.map((r: { body: string }) => r.body)).toEqual(['from B']);
    expect(ctx.net.events).toContainEqual({
      event: 'sandbox.sms.reply_rejected',
      fields: expect.objectContaining({ code: 21610 }),
    });
  });
});
