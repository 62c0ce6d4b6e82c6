/**
 * The deadlines of SMS sent while someone waits for an answer (docs/reliability.md, "Deadlines of SMS sent inside
 * a request"). The runtime's wrappers (shared/runtime/twilio-webhook.ts, http.ts, ws.ts) turn a budget into
 * `Deps.smsDeadline`; sendSmsWithRetry (im-sms/send.ts) keeps it. No imports, so every bundle can take them.
 */

/**
 * How long (ms) Twilio waits for a webhook's answer before it gives up (error 11200) and drops the TwiML: 15 s.
 * Source: https://www.twilio.com/docs/api/errors/11205 ("Twilio will wait for a total of 15 seconds to receive an
 * HTTP response", the connection included).
 */
export const TWILIO_WEBHOOK_WAIT_MS = 15_000;

/**
 * The SMS budget (ms) of a Twilio webhook, from the start of its handler: an SMS sent inside it (an
 * invitation texted with INVITE, the inviter told of a YES or a NO, a missed call's note) makes no try, backoff or
 * lookup past it, and one under way is abandoned then. 7 s: one slow try and its retry still fit, and the 8 s left
 * of {@link TWILIO_WEBHOOK_WAIT_MS} cover what Twilio's wait also holds (a cold start, up to a few seconds) and
 * the few store writes and the reply after the send (docs/reliability.md, "Deadlines of SMS sent inside a request").
 */
export const WEBHOOK_SMS_BUDGET_MS = 7_000;

/**
 * The SMS budget (ms) of an HTTP or WebSocket API call (a sign-in code, an invitation, a message to an offline
 * contact), from the handler's start: 15 s, so the call ends well inside the Lambda timeout of the functions that
 * send SMS (20 s, infra/aws/parts/functions.ts) and API Gateway's integration limit (29 s for WebSocket APIs, 30 s
 * for HTTP APIs). Without it a send whose every try timed out could take 22.5 s (`SMS_SEND_WORST_MS`) and the
 * Lambda would be killed mid-send.
 */
export const API_SMS_BUDGET_MS = 15_000;
