import './source-maps';
import type { Context } from 'aws-lambda';
import { invocationLogger } from '../adapters/logger';
import type { Deps } from '../core/ports';

/** A Twilio resource sid (message or call): the only part of a webhook used as a correlation id. */
const TWILIO_SID = /^(SM|MM|CA)[0-9a-f]{32}$/i;

/**
 * The deps for one invocation: the same adapters, with a logger whose every line carries the Lambda request id,
 * cold start and function name (from `context`, absent in unit tests and the local ack timer) and
 * `correlationId`. A fresh object per invocation, so concurrent invocations in one process (the local runtime)
 * never share request keys. `smsBudgetMs`: someone waits on this invocation's answer (a webhook, an API call),
 * so its SMS sends end by `smsDeadline`, this many ms from now (core/im-sms/send.ts).
 */
export function forInvocation(
  deps: Deps,
  context: Context | undefined,
  correlationId?: string,
  smsBudgetMs?: number,
): Deps {
  return {
    ...deps,
    log: invocationLogger(deps.log, { context, correlationId }),
    ...(smsBudgetMs === undefined ? {} : { smsDeadline: deps.clock.now() + smsBudgetMs }),
  };
}

/** Twilio's MessageSid or CallSid when it has the shape of one, else undefined (never a phone or a body). */
export function twilioCorrelationId(form: Record<string, readonly string[]>): string | undefined {
  const sid = form.MessageSid?.[0] ?? form.SmsSid?.[0] ?? form.CallSid?.[0];
  return sid !== undefined && TWILIO_SID.test(sid) ? sid : undefined;
}
