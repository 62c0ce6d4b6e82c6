import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
// Deep imports keep the bundle small: the validator and TwiML builder, not the whole SDK.
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import MessagingResponse from 'twilio/lib/twiml/MessagingResponse';
import type { Deps } from '../core/ports';
import { WEBHOOK_SMS_BUDGET_MS } from '../core/im-sms/deadlines';
import { getDeps } from './deps';
import { LogEvent } from '../core/log-events';
import { twilioErrorResponse, twiml } from './error-mappers';
import { forInvocation, twilioCorrelationId } from './invocation';
import { bodyText } from './respond';

/** A Twilio webhook's form parameters, after its signature checked out: the first value of each key. */
export type TwilioParams = Record<string, string>;

/** Every value of every form key, in the order sent. Twilio signs a repeated key once per value. */
export type TwilioForm = Record<string, string[]>;

/** The URL Twilio signed: PUBLIC_URL + the path and query it called. */
export function signedUrl(publicUrl: string, event: APIGatewayProxyEventV2): string {
  return `${publicUrl}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

/**
 * The form body with every value of a repeated key kept, which is what the signature covers: twilio's
 * validateRequest signs an array value as the key with each distinct value, sorted. Built through a Map, so a
 * key such as `__proto__` stays an ordinary own key.
 */
export function formFields(event: APIGatewayProxyEventV2): TwilioForm {
  const fields = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(bodyText(event))) {
    const values = fields.get(k);
    if (values) values.push(v);
    else fields.set(k, [v]);
  }
  return Object.fromEntries(fields);
}

/** The first value of each key (as URLSearchParams.get reads it): what the handlers act on. */
function firstValues(form: TwilioForm): TwilioParams {
  return Object.fromEntries(Object.entries(form).map(([k, values]) => [k, values[0] ?? '']));
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const found = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name);
  return found?.[1];
}

/**
 * A Twilio webhook: the X-Twilio-Signature is checked first, over the exact public URL, before anything is
 * read or stored. A bad or missing signature gets 403. The run function answers with text to reply (TwiML
 * <Message>), a whole TwiML document it built itself (`{ twiml }`: the voice webhooks, whose builder only their
 * bundles carry), or nothing (an empty <Response/>). Logs carry the Lambda context and, as the correlation id,
 * Twilio's MessageSid or CallSid (else the API Gateway request id).
 */
export function twilioWebhook(
  name: string,
  opts: { sms: boolean },
  run: (
    deps: Deps,
    params: TwilioParams,
    event: APIGatewayProxyEventV2,
  ) => Promise<{ reply?: string } | { twiml: string } | void>,
): (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event, context) => {
    const form = formFields(event);
    // Twilio waits 15 s for the answer: an SMS sent inside the webhook ends by WEBHOOK_SMS_BUDGET_MS.
    const deps = forInvocation(
      await getDeps(opts),
      context,
      twilioCorrelationId(form) ?? event.requestContext?.requestId,
      WEBHOOK_SMS_BUDGET_MS,
    );
    const signature = header(event, 'x-twilio-signature');
    // The current token, and during a rotation the one Twilio signed with until the new one was promoted.
    const tokens = [deps.secrets.twilioAuthToken, deps.secrets.twilioPreviousAuthToken].filter(
      (t): t is string => Boolean(t),
    );
    const url = signedUrl(deps.config.publicUrl, event);
    if (!signature || !tokens.some((token) => validateRequest(token, signature, url, form))) {
      deps.log.warn(LogEvent.TwilioBadSignature, { where: name, present: Boolean(signature) });
      return twiml(403);
    }
    try {
      const result = await run(deps, firstValues(form), event);
      if (result && 'twiml' in result) return twiml(200, result.twiml);
      const response = new MessagingResponse();
      if (result && result.reply) response.message(result.reply);
      return twiml(200, response.toString());
    } catch (err) {
      return twilioErrorResponse(err, deps.log, name);
    }
  };
}
