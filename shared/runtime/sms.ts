import { SNSClient } from '@aws-sdk/client-sns';
import { ConfigError, type Config } from '../config';
import type { Secrets } from '../core/ports';
import type { SmsTransport } from '../adapters/sms-transport';
import { SnsSmsProvider } from '../adapters/sns-sms';
import { TwilioSmsProvider } from '../adapters/twilio-sms';
import { registerSmsFactory } from './deps';
import { withDeliveryReports } from './sms-reports';

/**
 * The SMS provider, chosen by SMS_PROVIDER. Importing this module is what gives a handler SMS; handlers that
 * never send do not import it, so their bundles carry no twilio code.
 */
registerSmsFactory((config, secrets) => withDeliveryReports(transportFor(config, secrets), config.publicUrl));

function transportFor(config: Config, secrets: Secrets): SmsTransport {
  switch (config.smsProvider) {
    case 'sns':
      return new SnsSmsProvider(new SNSClient({ region: config.region }));
    case 'twilio':
    case 'sandbox': {
      if (!secrets.twilioAuthToken) throw new ConfigError('Invalid TWILIO_AUTH_TOKEN: required to send SMS');
      return new TwilioSmsProvider({
        accountSid: secrets.twilioAccountSid,
        authToken: secrets.twilioAuthToken,
        baseUrl: config.smsProvider === 'sandbox' ? config.sandboxUrl : undefined,
      });
    }
  }
}
