import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { NOT_RUN, type FunctionRegistry } from './function-registry';
import { decideOnError, decideOnResult, type AuthDecision, type AuthorizerContext } from './authorizer';
import { splitTarget } from './http-event';
import type { GatewayHooks } from './hooks';
import { sendJson } from './responses';
import { WsConnection, type CloseInfo } from './ws-connection';
import { FrameSizeGuard } from './ws-frame-guard';
import {
  buildAuthorizerEvent,
  buildConnectEvent,
  buildDisconnectEvent,
  buildMessageEvent,
  connectMethodArn,
  readHandshake,
  type Handshake,
  type WsStageInfo,
} from './ws-events';

/** Settings of the WebSocket endpoint. */
export interface WsSettings extends WsStageInfo {
  path: string;
  /** The largest message, all its fragments together (AWS: 128 KB). */
  maxMessageBytes: number;
  /** The largest single frame (AWS: 32 KB). */
  maxFrameBytes: number;
  /**
   * WebSocket routes whose frames run in a second lane beside their connection's ordered queue (one at a time
   * in that lane): frames about work already done (an ack), which must not wait behind the same client's queued
   * sends. Default: none (each connection's frames one at a time, in arrival order).
   */
  unorderedRoutes?: readonly string[];
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/**
 * The WebSocket API: authorizes and connects upgrades on one path, routes each text frame by its `action`,
 * and reports every close to $disconnect exactly once.
 */
export class WebSocketEndpoint {
  private readonly wss: WebSocketServer;
  private readonly connections = new Map<string, WsConnection>();
  private readonly finished = new Map<string, Promise<void>>();
  private readonly upgrades = new Set<Promise<void>>();
  private readonly servers = new Map<Server, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  /** The subprotocol each accepted upgrade's $connect agreed to. */
  private readonly protocols = new WeakMap<IncomingMessage, string>();
  private stopping = false;
  private readonly unordered: ReadonlySet<string>;

  constructor(
    private readonly registry: FunctionRegistry,
    private readonly hooks: GatewayHooks,
    private readonly settings: WsSettings,
  ) {
    this.unordered = new Set(settings.unorderedRoutes ?? []);
    // API Gateway's 128 KB message quota counts all fragments together, which is what ws's maxPayload measures;
    // its 32 KB frame quota is checked on the raw socket by a FrameSizeGuard (see register).
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: settings.maxMessageBytes,
      perMessageDeflate: false,
      // API Gateway echoes a subprotocol only when $connect returns it in Sec-WebSocket-Protocol.
      handleProtocols: (offered, req) => {
        const chosen = this.protocols.get(req);
        return chosen !== undefined && offered.has(chosen) ? chosen : false;
      },
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** The open connection with this id, or undefined when it never existed or is closing. */
  openConnection(id: string): WsConnection | undefined {
    const conn = this.connections.get(id);
    return conn?.isOpen ? conn : undefined;
  }

  attach(server: Server): void {
    if (this.servers.has(server)) return;
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (splitTarget(req.url).rawPath !== this.settings.path) {
        // Another upgrade listener may own this path; with none, nobody would ever answer the client.
        if (server.listenerCount('upgrade') === 1) rejectUpgrade(socket, 404, { message: 'Not Found' });
        return;
      }
      const pending = this.upgrade(req, socket, head).catch((err) => {
        this.hooks.onError(err, 'ws upgrade');
        rejectUpgrade(socket, 500, { message: 'Internal server error' });
      });
      this.upgrades.add(pending);
      void pending.finally(() => this.upgrades.delete(pending));
    };
    this.servers.set(server, listener);
    server.on('upgrade', listener);
  }

  /**
   * Answers a plain HTTP request (no `Upgrade` header, so no handshake) on the WebSocket path and returns true;
   * returns false, without touching it, for any other path. A GET or HEAD gets `426 Upgrade Required` with
   * `Upgrade: websocket` (RFC 9110 §15.5.22: the protocol to switch to) and `{"error":{"code":"upgrade_required"}}`;
   * any other method `405 method_not_allowed` with `Allow: GET`. Nothing is invoked: no authorizer, no $connect.
   * What API Gateway answers here is not documented (infra/local/gateway/README.md, "Guesses").
   */
  handlePlainRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const path = splitTarget(req.url).rawPath;
    if (path !== this.settings.path) return false;
    if (req.method === 'GET' || req.method === 'HEAD') {
      const error = {
        code: 'upgrade_required',
        message: `${path} is a WebSocket endpoint: open it with a WebSocket client (Upgrade: websocket)`,
      };
      sendJson(res, 426, { error }, { Upgrade: 'websocket', Connection: 'Upgrade' });
    } else {
      const error = { code: 'method_not_allowed', message: `${path} takes GET (a WebSocket handshake)` };
      sendJson(res, 405, { error }, { Allow: 'GET' });
    }
    this.hooks.log('ws.plain_request', { method: req.method, status: res.statusCode });
    return true;
  }

  /** Closes every socket with 1001 and waits for each $disconnect; upgrades arriving meanwhile get 503. */
  async close(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.upgrades]);
    const live = [...this.connections.values()];
    for (const conn of live) conn.closeByGateway(1001);
    await Promise.allSettled([...live.map((c) => c.ended), ...this.finished.values()]);
    for (const [server, listener] of this.servers) server.off('upgrade', listener);
    this.servers.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** Closes one connection as the @connections DELETE does; $disconnect follows when the socket is closed. */
  disconnect(conn: WsConnection): void {
    conn.closeByGateway(1000);
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (this.stopping) return rejectUpgrade(socket, 503, { message: 'Service Unavailable' });
    // An upgrade asked with another method than GET: the local runtime's 405 with Allow, as on every path.
    if (req.method !== 'GET') {
      const error = {
        code: 'method_not_allowed',
        message: `${this.settings.path} takes GET (a WebSocket handshake)`,
      };
      return rejectUpgrade(socket, 405, { error }, { Allow: 'GET' });
    }
    if (!isWebSocketHandshake(req)) return rejectUpgrade(socket, 400, { message: 'Bad Request' });
    // A client that gives up mid-handshake must not crash the process while handlers run.
    const ignore = (): void => undefined;
    socket.on('error', ignore);
    const handshake = readHandshake(req, Date.now());
    // Every handshake taken ends in one `ws.connect` line (its status); a `ws.disconnect` follows each 200.
    this.hooks.log('ws.handshake', { connectionId: handshake.connectionId });
    const auth = await this.authorize(handshake);
    if (auth.kind === 'refuse') {
      this.hooks.log('ws.connect', {
        connectionId: handshake.connectionId,
        status: auth.status,
        why: auth.why,
      });
      return rejectUpgrade(socket, auth.status, { message: auth.message });
    }
    const { status, protocol } = await this.runConnect(handshake, auth);
    this.hooks.log('ws.connect', { connectionId: handshake.connectionId, status });
    if (status < 200 || status > 299) {
      return rejectUpgrade(socket, status, { message: STATUS_TEXT[status] ?? '' });
    }
    if (protocol !== undefined) this.protocols.set(req, protocol);
    socket.off('error', ignore);
    // A client that hung up during $connect leaves a socket that is no longer readable; ws would drop its upgrade
    // without a word, so no close event and no $disconnect. Treat it as gone here.
    if (this.stopping || socket.destroyed || !socket.writable || !socket.readable) {
      // $connect already ran, so its handler may hold state for this id: tell $disconnect it went away.
      socket.destroy();
      return this.trackDisconnect(handshake, auth.authorizer, { code: 1006, reason: 'Going away' });
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.register(ws, socket, handshake, auth.authorizer));
  }

  private async authorize(h: Handshake): Promise<AuthDecision & { latency?: number }> {
    const spec = this.registry.authorizer;
    if (!spec) return { kind: 'allow', authorizer: {} };
    const started = Date.now();
    try {
      const result = await this.registry.invoke(spec, buildAuthorizerEvent(h, this.settings, started));
      return { ...decideOnResult(result, connectMethodArn(this.settings)), latency: Date.now() - started };
    } catch (err) {
      const decision = decideOnError(err);
      if (decision.kind === 'refuse' && decision.status === 500) this.hooks.onError(err, spec.name);
      return decision;
    }
  }

  /** Runs $connect; a failed invocation is a 502 on AWS, and a result without a status code is success. */
  private async runConnect(
    h: Handshake,
    auth: { authorizer: AuthorizerContext; latency?: number },
  ): Promise<{ status: number; protocol?: string }> {
    const spec = this.registry.wsRoute('$connect');
    if (!spec) return { status: 200 };
    const authorizer = this.registry.authorizer
      ? { ...auth.authorizer, integrationLatency: auth.latency ?? 0 }
      : undefined;
    try {
      const result = await this.registry.invoke(
        spec,
        buildConnectEvent(h, this.settings, authorizer, Date.now()),
      );
      return connectOutcome(result);
    } catch (err) {
      this.hooks.onError(err, spec.name);
      return { status: 502 };
    }
  }

  private register(ws: WebSocket, socket: Duplex, h: Handshake, authorizer: AuthorizerContext): void {
    const conn = new WsConnection(ws, h, this.registry.authorizer ? authorizer : undefined);
    this.connections.set(conn.id, conn);
    // ws has just attached its own 'data' listener (and put back any bytes read with the upgrade); no byte has
    // flowed yet. Prepended, the guard sees every frame header before ws can deliver that frame's message, so
    // an oversized frame closes the socket and its message is dropped by onFrame (the connection is closing).
    const guard = new FrameSizeGuard(this.settings.maxFrameBytes, (bytes) => {
      this.hooks.log('ws.frame_refused', { connectionId: conn.id, reason: 'frame_too_large', bytes });
      conn.closeByGateway(1009);
    });
    socket.prependListener('data', (chunk: Buffer) => guard.push(chunk));
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(conn, data, isBinary));
    ws.on('error', (err) => conn.noteError(err));
    ws.on('close', (code: number, reason: Buffer) => this.onClose(conn, code, reason.toString('utf8')));
  }

  private onFrame(conn: WsConnection, data: Buffer, isBinary: boolean): void {
    if (!conn.isOpen) return;
    conn.lastActiveAt = Date.now();
    // API Gateway WebSocket APIs reject binary frames by closing with 1003.
    if (isBinary) return conn.closeByGateway(1003);
    const body = data.toString('utf8');
    const routeKey = this.selectRoute(body);
    const event = buildMessageEvent(
      conn.handshake,
      this.settings,
      { routeKey, body, authorizer: conn.authorizer },
      conn.lastActiveAt,
    );
    const run = () => this.runMessage(conn, routeKey, event);
    if (this.unordered.has(routeKey)) conn.runBeside(run);
    else void conn.enqueue(run);
  }

  /** The route selection expression $request.body.action, falling back to $default as API Gateway does. */
  private selectRoute(body: string): string {
    let action: unknown;
    try {
      action = (JSON.parse(body) as { action?: unknown } | null)?.action;
    } catch {
      return '$default';
    }
    // Reserved route keys are never chosen by a frame, even one that names them.
    if (typeof action === 'string' && !action.startsWith('$') && this.registry.wsRoute(action)) return action;
    return '$default';
  }

  private async runMessage(
    conn: WsConnection,
    routeKey: string,
    event: ReturnType<typeof buildMessageEvent>,
  ) {
    const ids = { connectionId: conn.id, requestId: event.requestContext.requestId };
    const spec = this.registry.wsRoute(routeKey);
    if (!spec) {
      this.hooks.log('ws.message', { ...ids, routeKey, status: 403 });
      return this.sendGatewayError(conn, 'Forbidden', ids.requestId);
    }
    try {
      // A frame whose turn comes after the stop began is not run: its client is being disconnected, and a send
      // run now would find its recipient's sockets closing and go by SMS. Its sender got no receipt; sending it
      // again with the same clientId is safe whether or not it was taken (a frame that was running when the stop
      // began may have lost its receipt with the socket). An ack still runs: it ends work already done.
      const result = await this.registry.invoke(
        spec,
        event,
        () => !this.stopping || this.unordered.has(routeKey),
      );
      if (result === NOT_RUN) return this.hooks.log('ws.message', { ...ids, routeKey, status: 'not_run' });
      // A two-way route (a route response, as API Gateway's RouteResponseSelectionExpression $default): the
      // integration's body goes back on the connection as a text frame. One-way routes send nothing.
      if (spec.trigger.kind === 'ws' && spec.trigger.reply) this.sendRouteResponse(conn, result);
      this.hooks.log('ws.message', { ...ids, routeKey, function: spec.name, status: 200 });
    } catch (err) {
      this.hooks.onError(err, spec.name);
      this.hooks.log('ws.message', { ...ids, routeKey, function: spec.name, status: 500 });
      this.sendGatewayError(conn, 'Internal server error', ids.requestId);
    }
  }

  /** A Lambda proxy result's `body`, when it is a non-empty string, as one text frame to the client. */
  private sendRouteResponse(conn: WsConnection, result: unknown): void {
    const body = (result as { body?: unknown } | null)?.body;
    if (typeof body !== 'string' || body === '' || !conn.isOpen) return;
    conn.lastActiveAt = Date.now();
    conn.ws.send(body, { binary: false });
  }

  /** The frame API Gateway itself sends when a route is missing or its integration fails; byte for byte. */
  private sendGatewayError(conn: WsConnection, message: string, requestId: string): void {
    if (!conn.isOpen) return;
    const [m, c, r] = [message, conn.id, requestId].map((v) => JSON.stringify(v));
    conn.ws.send(`{"message": ${m}, "connectionId":${c}, "requestId":${r}}`);
  }

  private onClose(conn: WsConnection, code: number, reason: string): void {
    this.connections.delete(conn.id);
    const info = conn.takeDisconnect(code, reason);
    if (!info) return;
    // Queued behind the connection's pending frames and those running beside them, so $disconnect is always the
    // last event of a connection.
    const done = conn.enqueueLast(() => this.runDisconnect(conn.handshake, conn.authorizer, info));
    this.track(conn.id, done);
    void done.then(() => conn.markEnded());
  }

  private trackDisconnect(h: Handshake, authorizer: AuthorizerContext, info: CloseInfo): void {
    const auth = this.registry.authorizer ? authorizer : undefined;
    this.track(h.connectionId, this.runDisconnect(h, auth, info));
  }

  private track(id: string, done: Promise<void>): void {
    this.finished.set(id, done);
    void done.finally(() => this.finished.delete(id));
  }

  private async runDisconnect(h: Handshake, authorizer: AuthorizerContext | undefined, info: CloseInfo) {
    const spec = this.registry.wsRoute('$disconnect');
    const fields = { connectionId: h.connectionId, code: info.code };
    if (!spec) return this.hooks.log('ws.disconnect', fields);
    const event = buildDisconnectEvent(h, this.settings, { ...info, authorizer }, Date.now());
    try {
      await this.registry.invoke(spec, event);
      this.hooks.log('ws.disconnect', { ...fields, function: spec.name, status: 200 });
    } catch (err) {
      this.hooks.onError(err, spec.name);
      this.hooks.log('ws.disconnect', { ...fields, function: spec.name, status: 500 });
    }
  }
}

/**
 * The checks ws makes before it accepts a handshake, made before any handler runs: once $connect has run, a
 * handshake ws then refused would leave a connection that never gets its $disconnect.
 */
/** The status and the subprotocol header a $connect result carries; no status code at all means success. */
function connectOutcome(result: unknown): { status: number; protocol?: string } {
  const { statusCode, headers } = (result ?? {}) as {
    statusCode?: unknown;
    headers?: Record<string, unknown>;
  };
  const status = typeof statusCode === 'number' && Number.isInteger(statusCode) ? statusCode : 200;
  const header = Object.entries(headers ?? {}).find(
    ([name]) => name.toLowerCase() === 'sec-websocket-protocol',
  );
  return typeof header?.[1] === 'string' ? { status, protocol: header[1] } : { status };
}

function isWebSocketHandshake(req: IncomingMessage): boolean {
  return (
    req.method === 'GET' &&
    (req.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
    /^[+/0-9A-Za-z]{22}==$/.test(req.headers['sec-websocket-key'] ?? '') &&
    ['8', '13'].includes(req.headers['sec-websocket-version'] ?? '')
  );
}

/** Answers an upgrade with a plain HTTP error, as API Gateway does for a refused handshake, and hangs up. */
function rejectUpgrade(
  socket: Duplex,
  status: number,
  body: { message: string } | { error: { code: string; message: string } },
  headers: Record<string, string> = {},
): void {
  if (socket.destroyed) return;
  const text = JSON.stringify(body);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      extra +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
  );
}
