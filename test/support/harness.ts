import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '../../shared/config';
import { InProcessAckScheduler } from '../../shared/adapters/ack-schedulers';
import { ApiGatewayImChannel } from '../../shared/adapters/apigw-im-channel';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { createLogger } from '../../shared/adapters/logger';
import { RecordingSmsProvider } from '../../shared/adapters/recording-sms';
import { randomIds } from '../../shared/core/ids';
import type { Deps } from '../../shared/core/ports';
import { onAckTimeout } from '../../shared/core/delivery/ack-timeout';
import { injectDeps } from '../../shared/runtime/deps';
import { withDeliveryReports } from '../../shared/runtime/sms-reports';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../infra/local/embedded-dynamo';
import { ConnectionsServer } from './connections-server';

export const PUBLIC_URL = 'https://im.example.test';
export const AUTH_TOKEN = 'test-twilio-auth-token';
export const JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';
export const SERVICE_NUMBERS = ['+15005550100', '+15005550101', '+15005550102'];

export interface Harness {
  deps: Deps;
  /** The store ports on the real DynamoDB adapter (and its table handle). */
  store: ReturnType<typeof dynamoStores>;
  sms: RecordingSmsProvider;
  connections: ConnectionsServer;
  ack: InProcessAckScheduler;
  dynamo: DynamoDBClient;
  logs: string[];
  /** Moves the harness clock (OTP expiry, connection expiry) without touching timers. */
  advance(ms: number): void;
  /** Waits until the checks due at once (a stored text's routing) have run, as a webhook's caller would see. */
  routed(): Promise<void>;
  stop(): Promise<void>;
}

let tables = 0;

/**
 * The real adapters on local endpoints: the DynamoDB stores over the real SDK client against dynalite, the real
 * @connections client against a recording server, a recording SMS provider, the in-process ack timer.
 * Handlers get these through the same injection point the runtime uses.
 */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const embedded: EmbeddedDynamo = await startEmbeddedDynamo();
  const connections = await new ConnectionsServer().start();
  const config = loadConfig({
    TABLE_NAME: `test-${process.pid}-${++tables}`,
    DYNAMODB_ENDPOINT: embedded.endpoint,
    WS_ENDPOINT: connections.endpoint,
    PUBLIC_URL,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    JWT_SECRET,
    SERVICE_NUMBERS: SERVICE_NUMBERS.join(','),
    ...env,
  });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint: embedded.endpoint, credentials });
  await ensureTable(dynamo, config.tableName);
  const store = dynamoStores(dynamo, config.tableName);
  const { users, logins, messages, codes, rates, once, contacts, invitations } = store;
  const sms = new RecordingSmsProvider();
  const logs: string[] = [];
  let offset = 0;
  const deps: Deps = {
    config,
    users,
    logins,
    messages,
    codes,
    contacts,
    invitations,
    rates,
    once,
    sms: withDeliveryReports(sms, PUBLIC_URL),
    secrets: {
      jwtSecret: JWT_SECRET,
      twilioAuthToken: AUTH_TOKEN,
      twilioAccountSid: config.twilioAccountSid,
    },
    log: createLogger('debug', (line) => logs.push(line)),
    clock: { now: () => Date.now() + offset, sleep: async () => undefined },
    ids: randomIds,
    im: new ApiGatewayImChannel(
      new ApiGatewayManagementApiClient({ region: 'us-east-1', endpoint: connections.endpoint, credentials }),
    ),
    ack: undefined as unknown as Deps['ack'],
  };
  const ack = new InProcessAckScheduler((id) => onAckTimeout(deps, id));
  deps.ack = ack;
  injectDeps(deps);
  return {
    deps,
    store,
    sms,
    connections,
    ack,
    dynamo,
    logs,
    advance: (ms) => {
      offset += ms;
    },
    routed: async () => {
      // A check due at once was armed before this timer, so it fires first; then it is waited for.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await ack.settle();
    },
    stop: async () => {
      injectDeps(undefined);
      ack.cancelAll();
      // A check still running (a text's routing, say) must not outlive the table it writes to.
      await Promise.race([ack.settle(), new Promise((resolve) => setTimeout(resolve, 2000))]);
      dynamo.destroy();
      await connections.stop();
      await embedded.close();
    },
  };
}
