import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionSpec, Needs } from '../../infra/functions';
import { LocalGateway, type AnyHandler } from '../../infra/local/gateway';

/**
 * The reference design, after AWS's `simple-websockets-chat-app` sample: a `connections` table keyed by
 * connectionId; $connect puts a row, $disconnect deletes it, and a send Scans the whole table (following
 * LastEvaluatedKey) and posts to what it finds. The sample broadcasts to every row; for one-to-one messages
 * this version adds a FilterExpression on the recipient's userId, the most charitable adaptation (DynamoDB
 * still reads, and bills, every row). It runs the same way as the system under test: Lambda-style handlers
 * behind the same local API Gateway emulation, pushing through the real @connections SDK client, on the same
 * dynalite. Clients (all made once per "container", unlike the sample, which makes the @connections client per
 * call) are as ours.
 */
export interface BaselineStats {
  sends: number;
  scanPages: number;
  /** Items DynamoDB read for the Scans (ScannedCount), i.e. what it bills for. */
  scannedItems: number;
  /** Read capacity units the Scans consumed, as dynalite reports them. */
  readUnits: number;
  pushes: number;
}

export interface BaselineRouter {
  url: string;
  stats(): BaselineStats;
  /** Drops and recreates the connections table. */
  resetTable(): Promise<void>;
  close(): Promise<void>;
}

const none: Needs = {
  table: 'readwrite',
  manageConnections: true,
  sendsSms: false,
  jwt: false,
  twilioWebhook: false,
  schedulesAckCheck: false,
};
const spec = (name: string, routeKey: string): FunctionSpec => ({
  name,
  entry: 'bench/baseline/router.ts',
  trigger: { kind: 'ws', routeKey },
  needs: none,
});
const SPECS = [
  spec('baseline-connect', '$connect'),
  spec('baseline-disconnect', '$disconnect'),
  spec('baseline-send', 'sendMessage'),
];

export async function startBaselineRouter(opts: {
  dynamoEndpoint: string;
  table: string;
}): Promise<BaselineRouter> {
  const dynamo = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: opts.dynamoEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  });
  const doc = DynamoDBDocumentClient.from(dynamo);
  await createTable(dynamo, opts.table);

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stats: BaselineStats = { sends: 0, scanPages: 0, scannedItems: 0, readUnits: 0, pushes: 0 };
  // The handlers are built after the gateway (they need its @connections endpoint) but before any event.
  let handlers: Record<string, AnyHandler> = {};
  const gateway = new LocalGateway({
    functions: SPECS,
    loadHandler: async (s) => handlers[s.name],
    wsStage: 'local',
    onError: () => undefined,
  });
  // @connections is served on the gateway's own loopback listener, not on the public port.
  const apigw = new ApiGatewayManagementApiClient({
    region: 'us-east-1',
    endpoint: await gateway.listenConnections(),
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  handlers = makeHandlers(doc, apigw, opts.table, stats);
  server.on('request', (req, res) => {
    void gateway.handleHttp(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  gateway.attach(server);

  return {
    url,
    stats: () => ({ ...stats }),
    resetTable: async () => {
      await dropTable(dynamo, opts.table);
      await createTable(dynamo, opts.table);
    },
    close: async () => {
      await gateway.close();
      await closeServer(server);
      await dropTable(dynamo, opts.table);
      apigw.destroy();
      dynamo.destroy();
    },
  };
}

function makeHandlers(
  doc: DynamoDBDocumentClient,
  apigw: ApiGatewayManagementApiClient,
  table: string,
  stats: BaselineStats,
): Record<string, AnyHandler> {
  return {
    'baseline-connect': async (event) => {
      const userId = event.queryStringParameters?.user;
      if (!userId) return { statusCode: 400 };
      const connectionId = event.requestContext.connectionId;
      await doc.send(new PutCommand({ TableName: table, Item: { connectionId, userId } }));
      return { statusCode: 200 };
    },
    'baseline-disconnect': async (event) => {
      const connectionId = event.requestContext.connectionId;
      await doc.send(new DeleteCommand({ TableName: table, Key: { connectionId } }));
      return { statusCode: 200 };
    },
    'baseline-send': async (event) => {
      const { to, text, clientId } = JSON.parse(event.body ?? '{}') as Record<string, string>;
      stats.sends++;
      const found = await scanFor(doc, table, to, stats);
      const data = new TextEncoder().encode(JSON.stringify({ type: 'message', to, text, clientId }));
      await Promise.all(
        found.map(async (connectionId) => {
          try {
            await apigw.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
            stats.pushes++;
          } catch (err) {
            if ((err as Error).name !== 'GoneException') throw err;
            await doc.send(new DeleteCommand({ TableName: table, Key: { connectionId } }));
          }
        }),
      );
      return { statusCode: 200 };
    },
  };
}

/** The sample's "who is connected": a Scan of the whole table, every page. */
async function scanFor(doc: DynamoDBDocumentClient, table: string, userId: string, stats: BaselineStats) {
  const found: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page: ScanCommandOutput = await doc.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: 'connectionId',
        FilterExpression: '#u = :u',
        ExpressionAttributeNames: { '#u': 'userId' },
        ExpressionAttributeValues: { ':u': userId },
        ExclusiveStartKey: startKey,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    stats.scanPages++;
    stats.scannedItems += page.ScannedCount ?? 0;
    stats.readUnits += page.ConsumedCapacity?.CapacityUnits ?? 0;
    for (const item of page.Items ?? []) found.push(item.connectionId as string);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found;
}

async function createTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
    }),
  );
  await waitUntilTableExists(
    { client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 },
    { TableName: table },
  );
}

async function dropTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: table }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    return;
  }
  await waitUntilTableNotExists(
    { client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 },
    { TableName: table },
  );
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
