import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionSpec } from '../../functions';
import type { FunctionRegistry } from './function-registry';
import { buildHttpEvent, splitTarget } from './http-event';
import { InvalidResultError, mapHttpResult, writeMappedResponse, type MappedResponse } from './http-result';
import { newGatewayId } from './ids';
import { readBody, TOO_LARGE } from './read-body';
import { sendJson } from './responses';
import type { GatewayHooks } from './hooks';

/** HTTP APIs refuse request payloads over 10 MB. */
export const HTTP_MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * The errors the gateway itself answers, in the service's documented shape `{"error":{"code","message"}}`
 * (docs/protocol.md). API Gateway on AWS answers these with its own `{"message":…}` bodies and a 404 for a
 * wrong method; docs/protocol.md names that difference.
 */
const GATEWAY_ERRORS = {
  413: { code: 'payload_too_large', message: 'the request body is over 10 MB' },
  500: { code: 'internal', message: 'internal error' },
} as const;

/** The HTTP API part of the gateway: manifest routes in, payload format 2.0 events out. */
export class HttpApi {
  constructor(
    private readonly registry: FunctionRegistry,
    private readonly hooks: GatewayHooks,
    private readonly ids: { apiId: string; accountId: string },
  ) {}

  /** Serves a request whose path is a manifest route; returns false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const { rawPath } = splitTarget(req.url);
    if (!this.registry.hasHttpPath(rawPath)) return false;
    const requestId = newGatewayId();
    const method = req.method ?? 'GET';
    const spec = this.registry.httpRoute(method, rawPath);
    if (!spec) {
      const allow = this.registry.httpMethods(rawPath).join(', ');
      const error = { code: 'method_not_allowed', message: `${rawPath} takes ${allow}` };
      this.finish(res, requestId, `${method} ${rawPath}`, 405, { error }, { Allow: allow });
      return true;
    }
    const routeKey = `${method} ${rawPath}`;
    const body = await readBody(req, HTTP_MAX_BODY_BYTES);
    if (body === TOO_LARGE) {
      sendJson(res, 413, { error: GATEWAY_ERRORS[413] }, { 'apigw-requestid': requestId });
      this.hooks.log('http', { requestId, routeKey, status: 413 });
      return true;
    }
    const event = buildHttpEvent({ req, body, routeKey, requestId, now: Date.now(), ...this.ids });
    const mapped = await this.run(spec, event);
    if (mapped) {
      writeMappedResponse(res, mapped, requestId);
      this.hooks.log('http', { requestId, routeKey, function: spec.name, status: mapped.statusCode });
    } else {
      this.finish(res, requestId, routeKey, 500, { error: GATEWAY_ERRORS[500] });
    }
    return true;
  }

  /** Invokes and maps; undefined when the function failed or its result is unusable (both 500 on AWS). */
  private async run(spec: FunctionSpec, event: unknown): Promise<MappedResponse | undefined> {
    try {
      return mapHttpResult(await this.registry.invoke(spec, event));
    } catch (err) {
      this.hooks.onError(err, err instanceof InvalidResultError ? `${spec.name}: result` : spec.name);
      return undefined;
    }
  }

  private finish(
    res: ServerResponse,
    requestId: string,
    routeKey: string,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    sendJson(res, status, body, { 'apigw-requestid': requestId, ...headers });
    this.hooks.log('http', { requestId, routeKey, status });
  }
}
