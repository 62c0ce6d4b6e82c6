import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as smsWebhook } from '../../functions/twilio-sms';
import { handler as sendMessageHandler } from '../../functions/ws-send-message';
import { createLambdaContext } from '../../infra/local/gateway/lambda-context';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { LogEvent } from '../../shared/core/log-events';
import { injectDeps } from '../../shared/runtime/deps';
import { findLeaks, marker, Secrets } from '../chaos/support/privacy';
import { twoWay } from '../support/connections-server';
import { twilioPost, wsEvent } from '../support/events';
import { AUTH_TOKEN, PUBLIC_URL, SERVICE_NUMBERS, startHarness, type Harness } from '../support/harness';
import { connectDevice, signUp, type TestUser } from '../support/users';

/**
 * A real handler whose DynamoDB calls fail with an error that echoes personal data (the way SDK and driver errors
 * can echo request parameters): its crash log line says what failed (the error's name, a scrubbed message, the
 * stack's frames, the cause, the AWS SDK metadata) and holds no phone, code, token or message text.
 */
let h: Harness;
let alice: TestUser;
let bob: TestUser;
const secrets = new Secrets();
const sendMessage = twoWay(sendMessageHandler, () => h.connections);

beforeAll(async () => {
  h = await startHarness();
  alice = await signUp(h, secrets.phone('+13125550141'));
  bob = await signUp(h, secrets.phone('+13125550142'));
  await connectDevice(alice, 'crash-a1=');
});
afterAll(() => h.stop());

const CODE = secrets.code('482913');
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMTExMjIyMiJ9.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw';

/** An AWS SDK-shaped error whose message and cause carry the phones, a code, a token and `text`. */
function leakyError(text: string): Error {
  const cause = Object.assign(new Error(`connection reset while writing ${bob.phone}`), {
    code: 'ECONNRESET',
  });
  return Object.assign(
    new Error(
      `One or more parameter values were invalid: Item {"phone":"${alice.phone}","text":"${text}",` +
        `"code":"${CODE}"} token=${TOKEN} for ${bob.phone.slice(2)}`,
      { cause },
    ),
    {
      name: 'ValidationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: 'CRASHLOGREQ0001', attempts: 1 },
    },
  );
}

/** Runs `fn` with every DynamoDB command failing with `err`, on the real SDK clients. */
async function withFailingDynamo(err: Error, fn: () => Promise<unknown>): Promise<void> {
  const mock = mockClient(DynamoDBDocumentClient);
  mock.onAnyCommand().rejects(err);
  try {
    injectDeps({
      ...h.deps,
      ...dynamoStores(new DynamoDBClient({ region: 'us-east-1' }), h.deps.config.tableName),
    });
    await fn();
  } finally {
    mock.restore();
    injectDeps(h.deps);
  }
}

function crashLine(from: number): Record<string, unknown> {
  const lines = h.logs.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
  const failed = lines.filter((l) => l.event === LogEvent.HandlerFailed);
  expect(failed).toHaveLength(1);
  return failed[0];
}

/** The useful part: what failed, where, and why, as an operator reading CloudWatch needs it. */
function expectUseful(line: Record<string, unknown>) {
  expect(line).toMatchObject({
    level: 'error',
    error: 'ValidationException',
    httpStatusCode: 400,
    fault: 'client',
    requestId: 'CRASHLOGREQ0001',
    cause: { error: 'Error', code: 'ECONNRESET', errorMessage: 'connection reset while writing [redacted]' },
  });
  expect(line.errorMessage).toMatch(
    /^One or more parameter values were invalid: Item \{.*\} token=\[redacted\] for \[redacted\]$/,
  );
  const stack = line.stack as string[];
  expect(stack.length).toBeGreaterThan(0);
  // The innermost frame is where the error was made (here, this file), with its line and column.
  expect(stack[0]).toMatch(/crash-logs\.test\.ts:\d+:\d+\)?$/);
}

function expectNoPersonalData(from: number, text: string) {
  const lines = h.logs.slice(from);
  expect(findLeaks(lines, secrets)).toEqual([]);
  const all = lines.join('\n');
  for (const secret of [TOKEN, 'eyJ', text, CODE]) expect(all).not.toContain(secret);
}

describe('the log of a handler that throws', () => {
  it('a WebSocket route (sendMessage): useful content, no personal data', async () => {
    const text = secrets.text(`are we still on for tonight ${marker()}`);
    const from = h.logs.length;
    await withFailingDynamo(leakyError(text), () =>
      sendMessage(
        wsEvent('sendMessage', 'crash-a1=', alice, {
          action: 'sendMessage',
          to: bob.imNumber,
          text,
          clientId: 'c1',
        }),
        createLambdaContext('crash-send-message'),
      ),
    );
    expect(h.connections.framesOf('crash-a1=', 'error')).toEqual([
      { type: 'error', code: 'internal', message: 'internal error', clientId: 'c1' },
    ]);
    const line = crashLine(from);
    expectUseful(line);
    expect(line).toMatchObject({ function_name: 'crash-send-message', where: expect.any(String) });
    expectNoPersonalData(from, text);
  });

  it('a Twilio webhook (an inbound SMS): useful content, no personal data', async () => {
    const text = secrets.text(`call me back please ${marker()}`);
    const from = h.logs.length;
    let status = 0;
    await withFailingDynamo(leakyError(text), async () => {
      const res = await smsWebhook(
        twilioPost(PUBLIC_URL, AUTH_TOKEN, '/twilio/sms', {
          MessageSid: `SM${'c'.repeat(32)}`,
          From: alice.phone,
          To: SERVICE_NUMBERS[0],
          Body: text,
        }),
        createLambdaContext('crash-sms'),
      );
      status = res.statusCode ?? 0;
    });
    expect(status).toBe(500); // Twilio retries
    const line = crashLine(from);
    expectUseful(line);
    expect(line).toMatchObject({ function_name: 'crash-sms', correlation_id: `SM${'c'.repeat(32)}` });
    expectNoPersonalData(from, text);
  });
});
