import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../infra/local/embedded-dynamo';
import { createLogger } from '../../shared/adapters/logger';
import { describeError } from '../../shared/adapters/error-description';

/**
 * Crash lines keep the code a stack names: class and function names (`AwsJson1_0Protocol.handleError`,
 * `Http2Relay.send`, names with digits that look like tokens to the message scrubber) and file paths; only what
 * can be personal data (phones, codes, tokens, texts) is redacted. Real errors, real stacks: an AWS SDK error from
 * the embedded DynamoDB, and errors thrown by classes of this file.
 */

const PHONE = '+14155550100';
let dynamo: EmbeddedDynamo;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}, 60_000);

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

/** The error a real GetItem on a missing table throws (the SDK's own classes on its stack). */
async function sdkError(): Promise<Error> {
  try {
    await client.send(new GetItemCommand({ TableName: 'no-such-table', Key: { pk: { S: PHONE } } }));
  } catch (err) {
    return err as Error;
  }
  throw new Error('GetItem on a missing table succeeded');
}

/** The function part of each `at …` line of a raw V8 stack (what a frame names before its location). */
const namesIn = (stack: string) =>
  stack
    .split('\n')
    .filter((l) => /^\s+at\s/.test(l))
    .map((l) => /^\s+at\s+(?:async\s+)?(?:new\s+)?([^\s(]+)\s+\(/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && !n.startsWith('/'));

it('an AWS SDK error keeps the SDK’s class and function names in its frames', async () => {
  const err = await sdkError();
  const named = namesIn(err.stack!).slice(0, 3);
  expect(named.some((n) => /\d/.test(n))).toBe(true); // e.g. AwsJson1_0Protocol.handleError: a name with digits
  const d = describeError(err);
  expect(d.error).toBe('ResourceNotFoundException');
  for (const name of named) expect(d.stack!.join('\n')).toContain(name);
  expect(d.stack!.join('\n')).not.toContain('[redacted]');
});

class Http2Relay {
  send(to: string): never {
    throw Object.assign(new Error(`relay to ${to} failed: ERR_HTTP2_STREAM_ERROR`), {
      code: 'ERR_HTTP2_STREAM_ERROR',
    });
  }
}
class Utf8Base64Encoder {
  static relay(to: string): never {
    return new Http2Relay().send(to);
  }
}

it('class names with digits stay, and so do error constants; the phone in the message does not', () => {
  let thrown: unknown;
  try {
    Utf8Base64Encoder.relay(PHONE);
  } catch (err) {
    thrown = err;
  }
  const d = describeError(thrown);
  expect(d.stack![0]).toMatch(/^at Http2Relay\.send \(.*error-stack-names\.test\.ts:\d+:\d+\)$/);
  expect(d.stack![1]).toMatch(/^at \S+ (\[as relay\] )?\(.*error-stack-names\.test\.ts:\d+:\d+\)$/);
  expect(d.stack!.join('\n')).not.toContain('[redacted]');
  expect(d.code).toBe('ERR_HTTP2_STREAM_ERROR');
  expect(d.errorMessage).toBe('relay to [redacted] failed: ERR_HTTP2_STREAM_ERROR');
  expect(JSON.stringify(d)).not.toContain('4155550100');
});

it('a function name made of data (a computed name) is still scrubbed, its location kept', () => {
  const handlers = {
    [PHONE]: () => {
      throw new Error('boom');
    },
  };
  let thrown: unknown;
  try {
    handlers[PHONE]();
  } catch (err) {
    thrown = err;
  }
  const d = describeError(thrown);
  expect(d.stack![0]).toMatch(/^at (Object\.)?\[redacted\] \(.*error-stack-names\.test\.ts:\d+:\d+\)$/);
  expect(JSON.stringify(d)).not.toContain('4155550100');
});

it('a provider’s error number is kept as code, a 6-digit code (a sign-in code) is not', () => {
  expect(describeError(Object.assign(new Error('x'), { code: 21211 })).code).toBe('21211');
  expect(describeError(Object.assign(new Error('x'), { code: '482913' })).code).toBe('[redacted]');
});

it('a logged crash line carries the frames with their names', async () => {
  const lines: string[] = [];
  const log = createLogger('error', (l) => lines.push(l));
  log.error('handler.failed', { where: 'test', err: await sdkError() });
  const line = JSON.parse(lines.find((l) => l.includes('handler.failed'))!) as { stack: string[] };
  expect(line.stack.some((f) => /^at (async )?AwsJson\d_\d\w*\.\w+ \(/.test(f))).toBe(true);
  expect(lines.join('\n')).not.toContain('4155550100');
});
