import { timeoutFor } from '../../infra/aws/stack';
import { functions } from '../../infra/functions';
import {
  API_SMS_BUDGET_MS,
  TWILIO_WEBHOOK_WAIT_MS,
  WEBHOOK_SMS_BUDGET_MS,
} from '../../shared/core/im-sms/deadlines';

/**
 * The deadlines of SMS sent inside a request (docs/reliability.md, "Deadlines of SMS sent inside a request") fit
 * the waits around them: Twilio's 15 s for a webhook's answer, the Lambda timeout of every function that sends,
 * API Gateway's integration limit (29 s for a WebSocket route, 30 s for an HTTP route).
 */

/** What a request's answer may need past its SMS deadline: a cold start before, the writes and reply after. */
const AFTER_DEADLINE_MS = 5_000;
/** API Gateway's integration timeout for WebSocket APIs (the lower of the two APIs'). */
const API_GATEWAY_LIMIT_MS = 29_000;

const senders = functions.filter((f) => f.needs.sendsSms && f.trigger.kind !== 'queue');

it('every function that sends SMS while someone waits is known (Twilio webhooks, sign-in, IM routes)', () => {
  expect(senders.length).toBeGreaterThanOrEqual(3);
});

it('a webhook’s SMS ends with 8 s of Twilio’s 15 s left for the cold start, the writes after it and the reply', () => {
  expect(WEBHOOK_SMS_BUDGET_MS + 8_000).toBeLessThanOrEqual(TWILIO_WEBHOOK_WAIT_MS);
});

it.each(senders.map((f) => [f.name, f] as const))(
  '%s: its SMS budget and what follows fit its Lambda timeout, inside API Gateway’s limit',
  (_name, spec) => {
    const timeout = timeoutFor(spec).toMilliseconds();
    expect(Math.max(API_SMS_BUDGET_MS, WEBHOOK_SMS_BUDGET_MS) + AFTER_DEADLINE_MS).toBeLessThanOrEqual(
      timeout,
    );
    expect(API_SMS_BUDGET_MS + AFTER_DEADLINE_MS).toBeLessThan(API_GATEWAY_LIMIT_MS);
  },
);
