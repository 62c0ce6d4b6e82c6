import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { badInput } from '../core/errors';
import { API_SMS_BUDGET_MS } from '../core/im-sms/deadlines';
import type { Deps } from '../core/ports';
import { getDeps } from './deps';
import { httpErrorResponse } from './error-mappers';
import { forInvocation } from './invocation';
import { bodyText, json } from './respond';

export type JsonResult = { status: number; body: unknown };

/**
 * A JSON HTTP route: parses the body, runs one core call, maps the result or a typed error.
 * Bad JSON is a 400 before anything runs. Logs carry the Lambda context and the API Gateway request id. An SMS
 * sent by the call ends within API_SMS_BUDGET_MS (core/im-sms/send.ts), well inside API Gateway's wait.
 */
export function jsonHandler(
  name: string,
  opts: { sms: boolean },
  run: (deps: Deps, body: Record<string, unknown>, event: APIGatewayProxyEventV2) => Promise<JsonResult>,
): (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event, context) => {
    let deps: Deps | undefined;
    try {
      deps = forInvocation(await getDeps(opts), context, event.requestContext?.requestId, API_SMS_BUDGET_MS);
      const body = parseJsonObject(bodyText(event));
      const result = await run(deps, body, event);
      return json(result.status, result.body);
    } catch (err) {
      return httpErrorResponse(err, deps?.log, name);
    }
  };
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badInput('body must be JSON', 'bad_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badInput('body must be a JSON object', 'bad_json');
  }
  return value as Record<string, unknown>;
}
