import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FunctionSpec } from '../../functions';
import { ConnectionsApi } from './connections-api';
import { FunctionRegistry, type AnyHandler, type InvocationScheduling } from './function-registry';
import type { GatewayHooks } from './hooks';
import { HttpApi } from './http-api';
import { WebSocketEndpoint } from './websocket-endpoint';

export type { AnyHandler } from './function-registry';
export type { AuthorizerContext } from './authorizer';
export type { InvocationScheduling } from './function-registry';
export type { WebSocketAuthorizerEvent, WebSocketEvent, WebSocketRequestContext } from './ws-events';

/** How to build a {@link LocalGateway}. */
export interface GatewayOptions {
  /** The function manifest (infra/functions.ts); queue-triggered functions are ignored. */
  functions: FunctionSpec[];
  /** Loads a function's handler, e.g. `async (s) => (await import(path.resolve(s.entry))).handler`. */
  loadHandler: (spec: FunctionSpec) => Promise<AnyHandler>;
  /** The API id events report (default 'local'). */
  apiId?: string;
  /** The WebSocket stage events report; @connections is also served under /<stage> (default 'local'). */
  wsStage?: string;
  /** Where WebSocket upgrades are accepted (default '/ws'). */
  wsPath?: string;
  /**
   * The largest WebSocket message, all its fragments together; a larger one closes the socket with 1009
   * (default 128 KB, AWS's message payload quota).
   */
  maxMessageBytes?: number;
  /** The largest single WebSocket frame; a larger one closes the socket with 1009 (default 32 KB, as on AWS). */
  maxFrameBytes?: number;
  /**
   * How invocations share the one thread under load (see {@link InvocationScheduling}). Default: each starts at
   * once.
   */
  scheduling?: InvocationScheduling;
  /**
   * WebSocket routes whose frames run in a second lane beside their connection's ordered queue (the local stack:
   * `ack`).
   * Default: none, so one connection's frames run one at a time, in arrival order.
   */
  unorderedRoutes?: readonly string[];
  /** Structured log lines: ids, routes and status codes only, never tokens, phone numbers or bodies. */
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** A handler threw, or returned what API Gateway cannot use (default: console.error). */
  onError?: (err: unknown, where: string) => void;
}

/** The fake account id in every ARN and event the gateway builds. */
const ACCOUNT_ID = '000000000000';

/**
 * API Gateway on one laptop: turns local HTTP and WebSocket traffic into the exact events the Lambda handlers
 * get on AWS (HTTP API payload 2.0, WebSocket REQUEST authorizer, $connect / MESSAGE / $disconnect) and
 * serves the @connections management API so the real SDK client can push to local sockets. @connections is
 * served only on its own loopback listener ({@link LocalGateway.listenConnections}), never by handleHttp.
 */
export class LocalGateway {
  private readonly http: HttpApi;
  private readonly ws: WebSocketEndpoint;
  private readonly connections: ConnectionsApi;
  private readonly registry: FunctionRegistry;

  constructor(opts: GatewayOptions) {
    const hooks: GatewayHooks = {
      log: opts.log ?? (() => undefined),
      onError: opts.onError ?? ((err, where) => console.error(`[gateway] ${where} failed:`, err)),
    };
    const registry = new FunctionRegistry(opts.functions, opts.loadHandler, opts.scheduling);
    this.registry = registry;
    const apiId = opts.apiId ?? 'local';
    const stage = opts.wsStage ?? 'local';
    this.http = new HttpApi(registry, hooks, { apiId, accountId: ACCOUNT_ID });
    this.ws = new WebSocketEndpoint(registry, hooks, {
      apiId,
      stage,
      accountId: ACCOUNT_ID,
      path: opts.wsPath ?? '/ws',
      maxMessageBytes: opts.maxMessageBytes ?? 128 * 1024,
      maxFrameBytes: opts.maxFrameBytes ?? 32 * 1024,
      unorderedRoutes: opts.unorderedRoutes,
    });
    this.connections = new ConnectionsApi(this.ws, hooks, stage);
  }

  /**
   * Handles the manifest's HTTP routes, and a plain request (no WebSocket handshake) on wsPath (426 for a GET,
   * 405 for another method); returns false when the path is neither. @connections paths are not its either:
   * whoever serves the public port answers them as any unknown path.
   */
  handleHttp(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (this.ws.handlePlainRequest(req, res)) return Promise.resolve(true);
    return this.http.handle(req, res);
  }

  /**
   * Starts the @connections API on a listener of its own, on 127.0.0.1 at a port the OS picks, and resolves
   * with its endpoint URL (`http://127.0.0.1:<port>`; `<endpoint>/<wsStage>` works too). Give it to the
   * handlers' ApiGatewayManagementApiClient (WS_ENDPOINT) and to nobody else. Idempotent; close() stops it.
   */
  listenConnections(): Promise<string> {
    return this.connections.listen();
  }

  /** Attaches the WebSocket endpoint to a server: upgrades on wsPath; other paths are left alone, or 404. */
  attach(server: Server): void {
    this.ws.attach(server);
  }

  /** Closes every socket (each gets its $disconnect event, awaited), then stops the @connections listener. */
  async close(): Promise<void> {
    await this.ws.close();
    await this.connections.close();
  }

  /**
   * Runs `task` as an invocation of `spec` outside the gateway (the local stack's due checks, which SQS would
   * trigger on AWS), in its turn by the {@link GatewayOptions.scheduling}; at once without it.
   */
  schedule<T>(spec: FunctionSpec, task: () => Promise<T>): Promise<T> {
    return this.registry.schedule(spec, task);
  }

  /** Invocations waiting for their turn under the scheduling (0 without it). */
  get waitingInvocations(): number {
    return this.registry.waiting;
  }

  /** Number of open sockets (for health/tests). */
  get connectionCount(): number {
    return this.ws.connectionCount;
  }
}
