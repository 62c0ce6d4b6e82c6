import { useLocalStack } from '../support/e2e-stack';
import { eventually, signUp } from '../support/e2e-client';

/**
 * The local runtime's durable timer runs due delivery checks: here, the routing of a stored inbound text. Its log
 * lines carry the keys every handler's lines carry (Powertools Logger): the function AWS would run for them
 * (`ack-timeout`, the ack queue's consumer), its request id and cold-start flag, and a correlation id, the
 * message's id (an inbound text's id is derived from its MessageSid, so it ties back to the webhook).
 */

const lines: Array<Record<string, unknown>> = [];
const e2e = useLocalStack('timer-logs', {
  env: { LOG_LEVEL: 'info' },
  onLog: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
});

it('an inbound text routed by the local timer logs with function_name ack-timeout and the message id as correlation_id', async () => {
  const [alice, bob] = [
    await signUp(e2e.base, '+14155550171', 'tia'),
    await signUp(e2e.base, '+14155550172'),
  ];
  const b = await e2e.connect(bob);
  const res = await e2e.phoneTexts(alice.phone, `@${bob.imNumber} routed by the timer`);
  expect(res.json.webhookStatus).toBe(200);
  const msg = await b.waitFor((f) => f.type === 'message');
  const id = String(msg.id);

  const routed = await eventually(() =>
    lines.find((l) => l.event === 'message.routed' && l.messageId === id),
  );
  expect(routed).toMatchObject({
    function_name: 'ack-timeout',
    correlation_id: id,
    function_request_id: expect.any(String),
    cold_start: expect.any(Boolean),
    service: expect.any(String),
  });
  // Every line the timer's check wrote for this message has the same keys. The webhook's line and the recipient's
  // ack (ws-ack, which can land before these lines are read) are other functions' and are left out.
  const byTimer = lines.filter(
    (l) => l.messageId === id && l.event !== 'message.accepted' && l.function_name !== 'ws-ack',
  );
  expect(byTimer.length).toBeGreaterThan(0);
  for (const line of byTimer)
    expect(line).toMatchObject({
      function_name: 'ack-timeout',
      correlation_id: id,
      function_request_id: expect.any(String),
    });
  // The webhook that stored it logged as its own function, correlated by its MessageSid.
  const accepted = lines.find((l) => l.event === 'message.accepted' && l.messageId === id);
  expect(accepted).toMatchObject({
    function_name: 'twilio-sms',
    correlation_id: expect.stringMatching(/^SM[0-9a-f]{32}$/),
  });
}, 60_000);
