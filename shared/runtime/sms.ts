import { SNSClient } from '@aws-sdk/client-sns';
import { ConfigError, type Config } from '../config';
import type { Secrets } from '../core/ports';
import type { SmsTransport } from '../adapters/sms-transport';
import { traceAwsClient } from '../adapters/aws-clients';
import { SnsSmsProvider } from '../adapters/sns-sms';
import { TwilioSmsProvider } from '../adapters/twilio-sms';
import { registerSmsFactory } from './deps';
import { withDeliveryReports } from './sms-reports';

/**
 * The SMS provider, chosen by SMS_PROVIDER. Importing this module is what gives a handler SMS; handlers that
 * never send do not import it, so their bundles carry no twilio code.
 */
registerSmsFactory((config, secrets) => withDeliveryReports(transportFor(config, secrets), config.publicUrl));

/**
 * The transport SMS_PROVIDER names: SNS, or Twilio / the sandbox with the auth
 * token in `secrets` (ConfigError without one).
 */
export function transportFor(config: Config, secrets: Secrets): SmsTransport {
  switch (config.smsProvider) {
    case 'sns':
      return snsTransport(config);
    case 'twilio':
    case 'sandbox': {
      if (!secrets.twilioAuthToken) throw new ConfigError('Invalid TWILIO_AUTH_TOKEN: required to send SMS');
      return rotatingTwilio(config, secrets);
    }
  }
}

/**
 * The Twilio client for the credentials in `secrets` now: made again when the secret was rotated (secrets.ts
 * re-reads it once its cache expires), so a new auth token is used without a redeploy.
 */
function rotatingTwilio(config: Config, secrets: Secrets): SmsTransport {
  const baseUrl = config.smsProvider === 'sandbox' ? config.sandboxUrl : undefined;
  let current: { key: string; transport: TwilioSmsProvider } | undefined;
  const transport = (): TwilioSmsProvider => {
    const accountSid = secrets.twilioAccountSid;
    const authToken = secrets.twilioAuthToken;
    if (!authToken) throw new ConfigError('Invalid TWILIO_AUTH_TOKEN: required to send SMS');
    const key = `${accountSid}:${authToken}`;
    if (current?.key !== key)
      current = { key, transport: new TwilioSmsProvider({ accountSid, authToken, baseUrl }) };
    return current.transport;
  };
  const first = transport();
  return {
    name: first.name,
    send: (request) => transport().send(request),
    // The lookup before a retry or a resume: without it no send could ask Twilio whether it took an earlier try,
    // and every retry after a timeout would go unproven (an SMS twice).
    find: (request, since) => transport().find(request, since),
  };
}

/**
 * The SNS transport, when SMS_PROVIDER=sns. Imported statically on purpose: a `require()` here (to keep the SNS
 * client off the cold start of Twilio deployments) made esbuild wrap the SNS client and every SDK module it
 * shares with the other clients as lazy closures without tree shaking, which cost every SMS-sending function more
 * at require() than the SNS client's own set-up does once its ES build is tree-shaken (bench section 5).
 */
function snsTransport(config: Config): SmsTransport {
  return new SnsSmsProvider(traceAwsClient(new SNSClient({ region: config.region })));
}
