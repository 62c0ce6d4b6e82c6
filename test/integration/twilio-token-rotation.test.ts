/**
 * A Twilio auth token rotation without lost webhooks: while the secret holds `previousAuthToken` (the token Twilio
 * signs with until the new one is promoted), a webhook signed with either token is served; one signed with any
 * other token is refused with 403, and so is the old token once the secret no longer lists it.
 */
import { handler as inboundSms } from '../../functions/twilio-sms';
import { AUTH_TOKEN, PUBLIC_URL, SERVICE_NUMBERS, startHarness, type Harness } from '../support/harness';
import { twilioPost } from '../support/events';

const NEW_TOKEN = 'rotated-twilio-auth-token-0002';
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

let sids = 0;
async function textSignedWith(token: string): Promise<number | undefined> {
  const params = {
    MessageSid: `SM${String(++sids).padStart(32, '7')}`,
    AccountSid: h.deps.config.twilioAccountSid,
    From: '+16465550999',
    To: SERVICE_NUMBERS[0],
    Body: 'HELP',
    NumMedia: '0',
  };
  const res = await inboundSms(twilioPost(PUBLIC_URL, token, '/twilio/sms', params));
  return res.statusCode;
}

describe('Twilio webhooks during an auth token rotation', () => {
  it('accepts the new and the previous token while the secret lists both', async () => {
    h.deps.secrets = { ...h.deps.secrets, twilioAuthToken: NEW_TOKEN, twilioPreviousAuthToken: AUTH_TOKEN };
    expect(await textSignedWith(AUTH_TOKEN)).toBe(200);
    expect(await textSignedWith(NEW_TOKEN)).toBe(200);
    expect(await textSignedWith('some-other-token')).toBe(403);
  });

  it('refuses the old token once the rotation is finished (no previousAuthToken)', async () => {
    h.deps.secrets = { ...h.deps.secrets, twilioAuthToken: NEW_TOKEN, twilioPreviousAuthToken: undefined };
    expect(await textSignedWith(AUTH_TOKEN)).toBe(403);
    expect(await textSignedWith(NEW_TOKEN)).toBe(200);
    expect(h.logs.some((l) => l.includes('twilio.bad_signature'))).toBe(true);
    expect(h.logs.join('\n')).not.toContain(NEW_TOKEN);
  });
});
