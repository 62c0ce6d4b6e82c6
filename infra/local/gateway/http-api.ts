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
      this.finish(res, requestId, `${method} ${rawPath}`, 404, { message: 'Not Found' });
      return true;
    }
    const routeKey = `${method} ${rawPath}`;
    const body = await readBody(req, HTTP_MAX_BODY_BYTES);
    if (body === TOO_LARGE) {
      sendJson(res, 413, { message: 'Request Entity Too Large' }, { 'apigw-requestid': requestId });
      this.hooks.log('http', { requestId, routeKey, status: 413 });
      return true;
    }
    const event = buildHttpEvent({ req, body, routeKey, requestId, now: Date.now(), ...this.ids });
    const mapped = await this.run(spec, event);
    if (mapped) {
      writeMappedResponse(res, mapped, requestId);
      this.hooks.log('http', { requestId, routeKey, function: spec.name, status: mapped.statusCode });
    } else {
      this.finish(res, requestId, routeKey, 500, { message: 'Internal Server Error' });
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
  ): void {
    sendJson(res, status, body, { 'apigw-requestid': requestId });
    this.hooks.log('http', { requestId, routeKey, status });
  }
}
