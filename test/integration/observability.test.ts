import { handler as sendMessageHandler } from '../../functions/ws-send-message';
import { twoWay } from '../support/connections-server';
import { handler as statusCallback } from '../../functions/twilio-sms-status';
import { handler as smsWebhook } from '../../functions/twilio-sms';
import { handler as wsAck } from '../../functions/ws-ack';
import { handler as ackTimeout } from '../../functions/ack-timeout';
import { createLambdaContext } from '../../infra/local/gateway/lambda-context';
import { Metric, METRICS_NAMESPACE } from '../../shared/adapters/metric-names';
import { LogEvent } from '../../shared/core/log-events';
import { AUTH_TOKEN, PUBLIC_URL, SERVICE_NUMBERS, startHarness, type Harness } from '../support/harness';
import { sqsEvent, twilioPost, wsEvent } from '../support/events';
import { connectDevice, signUp, type TestUser } from '../support/users';

/**
 * The real handlers with the real adapters log through Powertools Logger: each line carries the Lambda request
 * id, cold start, function name and a correlation id; the events feed CloudWatch EMF metrics on the same
 * stream. No line carries a phone, a code or a message text.
 */

let h: Harness;
// sendMessage is a two-way route: its last frame to the sender comes back as the route response.
const sendMessage = twoWay(sendMessageHandler, () => h.connections);
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

type Line = Record<string, unknown>;
const parsed = (from = 0): Line[] => h.logs.slice(from).map((l) => JSON.parse(l) as Line);
const eventLines = (lines: Line[], event: string) => lines.filter((l) => l.event === event);

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}
const emfLines = (lines: Line[]) => lines.filter((l): l is Line & Emf => '_aws' in l);
/** The data points of metric `name` in EMF lines: value and the dimensions each line declares. */
function points(lines: Line[], name: string): { value: unknown; dims: Record<string, unknown> }[] {
  return emfLines(lines).flatMap((l) => {
    const def = l._aws.CloudWatchMetrics[0];
    if (!def.Metrics.some((m) => m.Name === name)) return [];
    const keys = def.Dimensions.flat();
    return [{ value: l[name], dims: Object.fromEntries(keys.map((k) => [k, l[k]])) }];
  });
}

let n = 700;
const newPhone = () => `+1212555${String(++n).padStart(4, '0')}`;
const caller = (u: TestUser) => ({ imNumber: u.imNumber, name: u.name });

describe('logs and metrics of a real handler run', () => {
  let alice: TestUser;
  let bob: TestUser;
  const text = 'meet at the usual place ~obs~';

  beforeAll(async () => {
    alice = await signUp(h, newPhone());
    bob = await signUp(h, newPhone());
    await connectDevice(alice, 'obs-a1=');
  });

  it('carries request id, cold start, function name and the API Gateway request id on every line', async () => {
    const from = h.logs.length;
    const context = createLambdaContext('obs-send-message');
    const event = wsEvent('sendMessage', 'obs-a1=', caller(alice), {
      action: 'sendMessage',
      to: bob.imNumber,
      text,
      clientId: 'obs-1',
    });
    await sendMessage(event, context);
    const lines = parsed(from);
    const accepted = eventLines(lines, LogEvent.MessageAccepted);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({
      level: 'info',
      service: 'imsms',
      function_name: 'obs-send-message',
      function_request_id: context.awsRequestId,
      cold_start: true,
      correlation_id: event.requestContext.requestId,
      route: 'sms',
    });
    expect(typeof accepted[0].timestamp).toBe('string');
    // Every log line of the invocation (EMF lines aside) has the same keys.
    for (const l of lines.filter((x) => !('_aws' in x))) {
      expect(l).toMatchObject({ function_request_id: context.awsRequestId });
    }
    // The second invocation of the same function in this process is warm.
    const from2 = h.logs.length;
    await sendMessage(
      wsEvent('sendMessage', 'obs-a1=', caller(alice), {
        action: 'sendMessage',
        to: bob.imNumber,
        text,
        clientId: 'obs-2',
      }),
      createLambdaContext('obs-send-message'),
    );
    expect(eventLines(parsed(from2), LogEvent.MessageAccepted)[0]).toMatchObject({ cold_start: false });
  });

  it('writes EMF metrics for the route, the fallback reason and the SMS segments and encoding', async () => {
    const from = h.logs.length;
    await sendMessage(
      wsEvent('sendMessage', 'obs-a1=', caller(alice), {
        action: 'sendMessage',
        to: bob.imNumber,
        text: 'ünïcödé 😀',
        clientId: 'obs-3',
      }),
      createLambdaContext('obs-send-message'),
    );
    const lines = parsed(from);
    for (const l of emfLines(lines)) {
      expect(l._aws.CloudWatchMetrics[0].Namespace).toBe(METRICS_NAMESPACE);
      expect(l.service).toBe('imsms');
    }
    expect(points(lines, Metric.MessagesRouted)).toEqual([
      { value: 1, dims: { service: 'imsms', route: 'sms', via: 'im' } },
    ]);
    expect(points(lines, Metric.Fallbacks)).toEqual([
      { value: 1, dims: { service: 'imsms', reason: 'offline' } },
    ]);
    const sent = eventLines(lines, LogEvent.MessageSentSms)[0];
    expect(points(lines, Metric.SmsSegments)).toEqual([
      { value: sent.segments, dims: { service: 'imsms', encoding: sent.encoding } },
    ]);
    expect(sent.encoding).toBe('UCS-2');
  });

  it('counts a late ack as a false fallback and an undelivered report, with totals for the alarms', async () => {
    const conn = 'obs-b1=';
    await connectDevice(bob, conn);
    const from = h.logs.length;
    await sendMessage(
      wsEvent('sendMessage', 'obs-a1=', caller(alice), {
        action: 'sendMessage',
        to: bob.imNumber,
        text,
        clientId: 'obs-4',
      }),
    );
    const pushed = h.connections.framesOf<{ id: string }>(conn, 'message').at(-1);
    expect(pushed).toBeDefined();
    const id = pushed!.id;
    // The delivery check fires before bob's client acks: the message goes by SMS.
    await ackTimeout(sqsEvent([{ messageId: id }]), createLambdaContext('obs-ack-timeout'));
    await wsAck(wsEvent('ack', conn, caller(bob), { action: 'ack', id }));
    const report = twilioPost(
      PUBLIC_URL,
      AUTH_TOKEN,
      '/twilio/sms/status',
      {
        MessageSid: `SM${'0'.repeat(31)}7`,
        MessageStatus: 'undelivered',
        ErrorCode: '30003',
        To: bob.phone,
        From: SERVICE_NUMBERS[0],
      },
      { query: `m=${id}` },
    );
    await statusCallback(report, createLambdaContext('obs-status'));
    const lines = parsed(from);
    expect(points(lines, Metric.Fallbacks)).toEqual([
      { value: 1, dims: { service: 'imsms', reason: 'timeout' } },
    ]);
    expect(points(lines, Metric.FalseFallbacks)).toEqual([{ value: 1, dims: { service: 'imsms' } }]);
    expect(points(lines, Metric.SmsUndelivered)).toEqual([
      { value: 1, dims: { service: 'imsms' } },
      { value: 1, dims: { service: 'imsms', status: 'undelivered' } },
    ]);
    // The message ended failed: it counts as a failed message too, by reason, for the MessagesFailed alarm.
    expect(points(lines, Metric.MessagesFailed)).toEqual([
      { value: 1, dims: { service: 'imsms' } },
      { value: 1, dims: { service: 'imsms', reason: 'sms_undelivered' } },
    ]);
    // The Twilio webhook's correlation id is its MessageSid.
    expect(eventLines(lines, LogEvent.SmsStatus)[0]).toMatchObject({
      correlation_id: `SM${'0'.repeat(31)}7`,
      function_name: 'obs-status',
    });
  });

  it('counts an opt-out, and keeps every line free of phones, codes and texts', async () => {
    const from = h.logs.length;
    const result = await smsWebhook(
      twilioPost(PUBLIC_URL, AUTH_TOKEN, '/twilio/sms', {
        MessageSid: `SM${'1'.repeat(32)}`,
        From: bob.phone,
        To: SERVICE_NUMBERS[0],
        Body: 'STOP',
      }),
      createLambdaContext('obs-sms'),
    );
    expect(result.statusCode).toBe(200);
    expect(points(parsed(from), Metric.OptOuts)).toEqual([{ value: 1, dims: { service: 'imsms' } }]);
    const all = h.logs.join('\n');
    for (const phone of [alice.phone, bob.phone]) {
      expect(all).not.toContain(phone);
      expect(all).not.toContain(phone.slice(2));
    }
    expect(all).not.toContain('~obs~');
    expect(all).not.toContain('ünïcödé');
  });
});
