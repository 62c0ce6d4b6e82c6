/**
 * X-Ray subsegments of the AWS SDK clients (shared/adapters/xray.ts): a real DynamoDBClient made by the runtime's
 * factory, against dynalite, with a UDP socket standing in for the X-Ray daemon that Lambda runs when active
 * tracing is on. Without a daemon address (locally) the client is left as it was and nothing is sent.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../shared/adapters/aws-clients';
import { daemonAddress, parseTraceHeader } from '../../shared/adapters/xray';
import { loadConfig } from '../../shared/config';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../infra/local/embedded-dynamo';

const ROOT = '1-6745f3a0-0123456789abcdef01234567';
const PARENT = '53995c3f42cd8ad8';

let dynamo: EmbeddedDynamo;
let daemon: Socket;
let daemonPort: number;
const datagrams: string[] = [];
let arrived: (() => void) | undefined;

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  daemon = createSocket('udp4');
  daemon.on('message', (msg) => {
    datagrams.push(msg.toString('utf8'));
    arrived?.();
  });
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  daemonPort = (daemon.address() as AddressInfo).port;
});
afterAll(async () => {
  daemon.close();
  await dynamo.close();
});
beforeEach(() => {
  datagrams.length = 0;
});

/** Resolves once `n` datagrams are in (the test's timeout is the bound). */
function received(n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (datagrams.length >= n) resolve();
    };
    arrived = check;
    check();
  });
}

function clientWith(env: Record<string, string>) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return createDynamoClient(loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: 'us-east-1' }));
  } finally {
    for (const key of Object.keys(env)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

/** A subsegment document as the daemon receives it (the fields the tests read). */
interface Doc {
  id: string;
  start_time: number;
  end_time: number;
  error?: boolean;
  fault?: boolean;
  [key: string]: unknown;
}

function documents(): Doc[] {
  return datagrams.map((d) => {
    const [header, body] = d.split('\n');
    expect(JSON.parse(header)).toEqual({ format: 'json', version: 1 });
    return JSON.parse(body) as Doc;
  });
}

/**
 * Runs `calls` with `client` inside an invocation whose trace header is `sampled` (Lambda's `_X_AMZN_TRACE_ID`),
 * then clears the header and destroys the client.
 */
async function inInvocation(
  client: DynamoDBClient,
  sampled: string,
  calls: (client: DynamoDBClient) => Promise<unknown>,
): Promise<void> {
  process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};${sampled}`;
  try {
    await calls(client);
  } finally {
    delete process.env._X_AMZN_TRACE_ID;
    client.destroy();
  }
}

describe('X-Ray subsegments for SDK calls', () => {
  it('sends one subsegment per call to the daemon, under the invocation’s trace, and passes the trace on', async () => {
    const client = clientWith({ AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemonPort}` });
    const sent: string[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        sent.push(String((args.request as { headers: Record<string, string> }).headers['X-Amzn-Trace-Id']));
        return next(args);
      },
      { step: 'finalizeRequest', name: 'testRecordTraceHeader' },
    );
    await inInvocation(client, 'Sampled=1;Lineage=a:0', async (c) => {
      await c.send(new ListTablesCommand({}));
      await expect(c.send(new DescribeTableCommand({ TableName: 'no-such-table' }))).rejects.toThrow();
      await received(2);
    });
    const [ok, failed] = documents();
    expect(ok).toMatchObject({
      name: 'DynamoDB',
      trace_id: ROOT,
      parent_id: PARENT,
      type: 'subsegment',
      namespace: 'aws',
      aws: { operation: 'ListTables', region: 'us-east-1', retries: 0 },
      http: { response: { status: 200 } },
    });
    expect(ok.id).toMatch(/^[0-9a-f]{16}$/);
    expect(ok.end_time).toBeGreaterThanOrEqual(ok.start_time);
    expect(ok.error ?? ok.fault).toBeUndefined();
    expect(failed).toMatchObject({
      name: 'DynamoDB',
      aws: { operation: 'DescribeTable' },
      http: { response: { status: 400 } },
      error: true,
      cause: { exceptions: [{ type: 'ResourceNotFoundException' }] },
    });
    // Only names and status: the table name and the error message stay out of the trace.
    expect(JSON.stringify(failed)).not.toContain('no-such-table');
    // The called service sees this subsegment as the parent.
    expect(sent[0]).toBe(`Root=${ROOT};Parent=${ok.id};Sampled=1`);
  });

  it('sends nothing for an unsampled invocation', async () => {
    const client = clientWith({ AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemonPort}` });
    await inInvocation(client, 'Sampled=0', (c) => c.send(new ListTablesCommand({})));
    // A sampled call after it is the first datagram the daemon gets.
    const traced = clientWith({ AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemonPort}` });
    await inInvocation(traced, 'Sampled=1', async (c) => {
      await c.send(new ListTablesCommand({}));
      await received(1);
    });
    expect(documents()).toHaveLength(1);
  });

  it('locally (no AWS_XRAY_DAEMON_ADDRESS) adds nothing to the client and sends nothing', async () => {
    const client = clientWith({});
    expect(client.middlewareStack.identify().some((m) => m.includes('imsmsXRaySubsegment'))).toBe(false);
    await inInvocation(client, 'Sampled=1', (c) => c.send(new ListTablesCommand({})));
    const traced = clientWith({ AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemonPort}` });
    expect(traced.middlewareStack.identify().some((m) => m.includes('imsmsXRaySubsegment'))).toBe(true);
    traced.destroy();
    expect(datagrams).toEqual([]);
  });
});

describe('trace header and daemon address parsing', () => {
  it('reads Root, Parent and Sampled; no Root is no trace', () => {
    expect(parseTraceHeader(`Root=${ROOT};Parent=${PARENT};Sampled=1;Lineage=x:1`)).toEqual({
      root: ROOT,
      parent: PARENT,
      sampled: true,
    });
    expect(parseTraceHeader(`Root=${ROOT};Sampled=0`)).toEqual({
      root: ROOT,
      parent: undefined,
      sampled: false,
    });
    expect(parseTraceHeader('Parent=1;Sampled=1')).toBeUndefined();
    expect(parseTraceHeader(undefined)).toBeUndefined();
  });

  it('reads host:port and the udp part of "udp:… tcp:…"; anything else is no daemon', () => {
    expect(daemonAddress('169.254.79.129:2000')).toEqual({ host: '169.254.79.129', port: 2000 });
    expect(daemonAddress('tcp:127.0.0.1:2000 udp:127.0.0.2:2001')).toEqual({ host: '127.0.0.2', port: 2001 });
    expect(daemonAddress('nonsense')).toBeUndefined();
    expect(daemonAddress('host:99999')).toBeUndefined();
    expect(daemonAddress(undefined)).toBeUndefined();
  });
});
