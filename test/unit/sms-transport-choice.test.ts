import { loadConfig } from '../../shared/config';
import { transportFor } from '../../shared/runtime/sms';

const base = { TABLE_NAME: 'imsms', PUBLIC_URL: 'https://im.example.test', SERVICE_NUMBERS: '+12025550100' };

describe('the SMS transport SMS_PROVIDER names', () => {
  it('SNS: its client is loaded when asked for, and the transport is the SNS one', () => {
    const transport = transportFor(loadConfig({ ...base, SMS_PROVIDER: 'sns' }), {
      jwtSecret: 'x'.repeat(32),
      twilioAccountSid: 'AC0',
    });
    expect(transport.name).toBe('sns');
    expect(typeof transport.send).toBe('function');
  });

  it('Twilio without an auth token: a clear configuration error, no transport', () => {
    expect(() =>
      transportFor(loadConfig({ ...base, SMS_PROVIDER: 'sandbox' }), {
        jwtSecret: 'x'.repeat(32),
        twilioAccountSid: 'AC0',
      }),
    ).toThrow('Invalid TWILIO_AUTH_TOKEN: required to send SMS');
  });
});
