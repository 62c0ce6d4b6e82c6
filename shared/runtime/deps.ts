import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigError, loadConfig, type Config } from '../config';
import { SqsAckScheduler } from '../adapters/ack-schedulers';
import { ApiGatewayImChannel } from '../adapters/apigw-im-channel';
import {
  createDynamoClient,
  localClientOptions,
  sharedClientSettings,
  traceAwsClient,
} from '../adapters/aws-clients';
import { dynamoStores } from '../adapters/dynamo';
import { createLogger, describeError } from '../adapters/logger';
import { randomIds } from '../core/ids';
import { LogEvent } from '../core/log-events';
import type { AckScheduler, Clock, Deps, ImChannel, Secrets, SmsProvider, Stores } from '../core/ports';
import { loadSecrets, type LiveSecrets } from './secrets';

/**
 * The composition root: builds the adapters once per container (module scope), from validated config.
 * Handlers ask for what they need; only handlers that send SMS import the SMS provider module (runtime/sms.ts),
 * which keeps the SMS client out of the other bundles.
 */
export type SmsFactory = (config: Config, secrets: Secrets) => SmsProvider;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const noSms: SmsProvider = {
  name: 'none',
  send: async () => {
    throw new ConfigError('this function does not send SMS');
  },
};

type BaseDeps = Omit<Deps, 'sms' | 'secrets'> & { secrets: LiveSecrets };

/**
 * Makes the ack timer when no queue is configured: the local runtime registers its durable in-process one.
 * (Kept out of this module so Lambda bundles carry no routing code they do not use.)
 */
export type LocalAckFactory = (config: Config, log: Deps['log']) => AckScheduler;

let smsFactory: SmsFactory | undefined;
let localAckFactory: LocalAckFactory | undefined;
let base: Promise<BaseDeps> | undefined;
let sms: SmsProvider | undefined;
let injected: Deps | undefined;

/** Called by runtime/sms.ts when a handler that sends SMS is loaded. */
export function registerSmsFactory(factory: SmsFactory): void {
  smsFactory = factory;
}

/** Called by the local runtime before the first event, to make the in-process ack timer durable. */
export function registerLocalAckFactory(factory: LocalAckFactory): void {
  localAckFactory = factory;
}

/** Replaces the whole set (tests), or clears it so the next call builds from the environment again. */
export function injectDeps(deps: Deps | undefined): void {
  injected = deps;
  base = undefined;
  sms = undefined;
}

export async function getDeps(opts: { sms: boolean }): Promise<Deps> {
  if (injected) return injected;
  base ??= buildBase().catch((err) => {
    base = undefined;
    throw err;
  });
  const b = await base;
  // Re-reads a secret whose cached copy has expired (rotation without a redeploy); free in between. If Secrets
  // Manager fails, the values read before stay in use. Locally the secrets never change: no await at all.
  if (b.secrets.rotates) {
    await b.secrets.refresh().catch((err: unknown) => {
      b.log.warn(LogEvent.SecretsRefreshFailed, describeError(err));
    });
  }
  if (!opts.sms) return { ...b, sms: noSms };
  sms ??= smsFactory ? smsFactory(b.config, b.secrets) : noSms;
  return { ...b, sms };
}

async function buildBase(): Promise<BaseDeps> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const secrets = await loadSecrets(config);
  return {
    config,
    secrets,
    log,
    clock: systemClock,
    ids: randomIds,
    ...storesOnly(dynamoStores(createDynamoClient(config), config.tableName)),
    im: lazyImChannel(config),
    ack: ackScheduler(config, log),
  };
}

/** The store ports alone (the adapter's extras, such as its table handle, stay out of Deps). */
function storesOnly(s: Stores): Stores {
  const { users, logins, messages, codes, rates, once, contacts, invitations } = s;
  return { users, logins, messages, codes, rates, once, contacts, invitations };
}

function ackScheduler(config: Config, log: Deps['log']): AckScheduler {
  if (config.ackQueueUrl)
    return new SqsAckScheduler(
      traceAwsClient(new SQSClient({ region: config.region, ...sharedClientSettings })),
      config.ackQueueUrl,
    );
  if (!localAckFactory) throw new ConfigError('Invalid ACK_QUEUE_URL: required outside the local runtime');
  return localAckFactory(config, log);
}

/** The @connections client is made on first push, so functions that never push need no WS_ENDPOINT. */
function lazyImChannel(config: Config): ImChannel {
  let channel: ApiGatewayImChannel | undefined;
  return {
    push: (connectionId, event) => {
      if (!config.wsEndpoint)
        throw new ConfigError('Invalid WS_ENDPOINT: required to push to WebSocket clients');
      channel ??= new ApiGatewayImChannel(
        traceAwsClient(
          new ApiGatewayManagementApiClient({
            region: config.region,
            ...sharedClientSettings,
            ...localClientOptions(config.wsEndpoint),
          }),
        ),
      );
      return channel.push(connectionId, event);
    },
  };
}
