import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitTarget } from './http-event';
import { newGatewayId } from './ids';
import { readBody, TOO_LARGE } from './read-body';
import { sendJson } from './responses';
import type { GatewayHooks } from './hooks';
import type { WebSocketEndpoint } from './websocket-endpoint';

/**
 * PostToConnection refuses data over 32 KB here. AWS documents a 32 KB WebSocket frame quota and says it
 * "applies to @connections commands"; refusing what one frame cannot carry keeps every server frame within
 * it, and makes a frame that would not fit on AWS fail locally too.
 */
export const POST_MAX_BYTES = 32 * 1024;

/** Where the @connections API listens: loopback only, never the public port. */
const LOOPBACK = '127.0.0.1';

/**
 * The @connections management API, close enough to AWS that the real ApiGatewayManagementApiClient works
 * against it. Errors carry `x-amzn-ErrorType`, which the SDK's REST-JSON protocol reads to name the error.
 *
 * On AWS every call is SigV4-signed with IAM credentials. Locally there are none worth checking, so the API is
 * served only on its own listener on 127.0.0.1 at an ephemeral port (see {@link listen}), which the local
 * runtime hands to its own handlers as WS_ENDPOINT; the public port (console, webhooks) never serves it.
 */
export class ConnectionsApi {
  private readonly pattern: RegExp;
  private server: Server | undefined;

  constructor(
    private readonly endpoint: WebSocketEndpoint,
    private readonly hooks: GatewayHooks,
    stage: string,
  ) {
    // Clients configured with the AWS-style endpoint (…/<stage>) put the stage before @connections.
    const escaped = stage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.pattern = new RegExp(`^(?:/${escaped})?/@connections/([^/]+)$`);
  }

  /**
   * Starts the API on its own HTTP listener on 127.0.0.1 with a port the OS picks, and resolves with its
   * endpoint (`http://127.0.0.1:<port>`), for ApiGatewayManagementApiClient's `endpoint`. Any other path there
   * gets 404 `{"message":"Not Found"}`. Calling it again returns the same endpoint.
   */
  async listen(): Promise<string> {
    if (!this.server) {
      const server = createServer((req, res) => {
        this.handle(req, res).then(
          (handled) => {
            if (!handled) sendJson(res, 404, { message: 'Not Found' });
          },
          (err) => {
            this.hooks.onError(err, '@connections');
            if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
            else res.end();
          },
        );
      });
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, LOOPBACK, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    return `http://${LOOPBACK}:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops the listener, if started; calls in flight are cut. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Serves /@connections/{id} (optionally under /<stage>); returns false for any other path. */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const match = this.pattern.exec(splitTarget(req.url).rawPath);
    if (!match) return false;
    const connectionId = safeDecode(match[1] ?? '');
    const requestId = newGatewayId();
    const status = await this.dispatch(req, res, connectionId, requestId);
    this.hooks.log('connections', { method: req.method, connectionId, requestId, status });
    return true;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, id: string, requestId: string) {
    const headers = { 'x-amzn-RequestId': requestId };
    if (!['POST', 'GET', 'DELETE'].includes(req.method ?? '')) {
      sendJson(res, 404, { message: 'Not Found' }, headers);
      return 404;
    }
    const body = req.method === 'POST' ? await readBody(req, POST_MAX_BYTES) : Buffer.alloc(0);
    if (body === TOO_LARGE) {
      const error = { 'x-amzn-ErrorType': 'PayloadTooLargeException', ...headers };
      sendJson(res, 413, { message: `Message too long; the limit is ${POST_MAX_BYTES} bytes` }, error);
      return 413;
    }
    const conn = this.endpoint.openConnection(id);
    if (!conn) {
      sendJson(res, 410, { message: 'Gone' }, { 'x-amzn-ErrorType': 'GoneException', ...headers });
      return 410;
    }
    if (req.method === 'POST') {
      conn.lastActiveAt = Date.now();
      // Always a text frame: API Gateway has no binary frames towards clients either.
      conn.ws.send(body, { binary: false });
      res.writeHead(200, { 'content-length': '0', ...headers }).end();
      return 200;
    }
    if (req.method === 'GET') {
      sendJson(res, 200, describe(conn), headers);
      return 200;
    }
    this.endpoint.disconnect(conn);
    res.writeHead(204, headers).end();
    return 204;
  }
}

/** GetConnection's wire shape: the SDK maps these camel-case keys to ConnectedAt, Identity, LastActiveAt. */
function describe(conn: {
  handshake: { connectedAt: number; identity: { sourceIp: string; userAgent?: string } };
  lastActiveAt: number;
}) {
  return {
    connectedAt: new Date(conn.handshake.connectedAt).toISOString(),
    identity: {
      sourceIp: conn.handshake.identity.sourceIp,
      userAgent: conn.handshake.identity.userAgent ?? '',
    },
    lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
