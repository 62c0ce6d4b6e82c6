import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { dynamoStores } from '../../shared/adapters/dynamo';
import type { MessageRecord } from '../../shared/core/types';
import { http, ImClient, type E2eUser } from './e2e-client';

/** The local stack of one e2e test file, and what its tests do with it. */
export interface E2eStack {
  /** The running stack (replaced by `restart`). */
  readonly stack: LocalStack;
  /** Its HTTP origin, `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** The data folder (removed after the file's tests). */
  readonly dataDir: string;
  /** A reference-client connection for the user, closed after the file's tests. */
  connect(user: E2eUser): Promise<ImClient>;
  /** A simulated phone texts a service number (the first one unless `to` is given), through the sandbox. */
  phoneTexts(from: string, body: string, to?: string): ReturnType<typeof http>;
  /** A message's record as stored, read with the real SDK from the stack's own table; null when absent. */
  storedMessage(id: string): Promise<MessageRecord | null>;
  /** Stops the stack and starts it again on the same data folder (a new port), closing every client first. */
  restart(): Promise<void>;
}

export interface E2eStackOptions {
  /** Settings for the stack (ACK_TIMEOUT_MS, limits, …), as environment variables. */
  env?: Record<string, string>;
  /** Receives every log line of the stack. */
  onLog?: (line: string) => void;
}

/**
 * Starts the whole local stack (port 0, a fresh temp data folder, quiet) before a test file's tests and stops it
 * after them, closing every client `connect` opened and removing the data folder. Call it at the top level of the
 * file; read `stack` and `base` inside tests (they exist once beforeAll has run).
 * @param name a short tag for the data folder's name.
 */
export function useLocalStack(name: string, options: E2eStackOptions = {}): E2eStack {
  const dataDir = mkdtempSync(path.join(tmpdir(), `imsms-${name}-`));
  const clients: ImClient[] = [];
  let stack: LocalStack | undefined;
  const running = (): LocalStack => {
    if (!stack) throw new Error('the local stack is not started: use it inside a test');
    return stack;
  };
  const start = async () => {
    stack = await startLocalStack({ port: 0, dataDir, quiet: true, env: options.env, onLog: options.onLog });
  };
  const closeClients = () => Promise.all(clients.splice(0).map((c) => c.close()));
  const fixture: E2eStack = {
    get stack() {
      return running();
    },
    get base() {
      return `http://127.0.0.1:${running().port}`;
    },
    dataDir,
    async connect(user) {
      const client = await ImClient.connect(fixture.base, user.token);
      clients.push(client);
      return client;
    },
    phoneTexts: (from, body, to) =>
      http(fixture.base, 'POST', '/sandbox/sms', {
        from,
        to: to ?? running().config.serviceNumbers[0],
        body,
      }),
    async storedMessage(id) {
      const { config } = running();
      const client = new DynamoDBClient({
        region: 'us-east-1',
        endpoint: config.dynamodbEndpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      try {
        return await dynamoStores(client, config.tableName).messages.getMessage(id);
      } finally {
        client.destroy();
      }
    },
    async restart() {
      await closeClients();
      await running().stop();
      stack = undefined;
      await start();
    },
  };
  beforeAll(start, 60_000);
  afterAll(async () => {
    await closeClients();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return fixture;
}
