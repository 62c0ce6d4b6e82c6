import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for API Gateway's @connections API at the HTTP level, for integration tests that invoke handlers
 * directly: the real ApiGatewayManagementApiClient posts here. It records each frame per connection and
 * answers 410 GoneException for connections a test has marked gone, exactly as API Gateway does.
 * (The e2e tests use the real local gateway with real sockets instead.)
 */
export class ConnectionsServer {
  readonly frames = new Map<string, unknown[]>();
  readonly gone = new Set<string>();
  private server?: Server;
  endpoint = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const match = /^\/@connections\/([^/?]+)/.exec(req.url ?? '');
      if (!match || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const id = decodeURIComponent(match[1]);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.gone.has(id)) {
          res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
          res.end(JSON.stringify({ message: null }));
          return;
        }
        const list = this.frames.get(id) ?? [];
        list.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        this.frames.set(id, list);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  /** Frames pushed to a connection, optionally only those of one type. */
  framesOf<T = Record<string, unknown>>(connectionId: string, type?: string): T[] {
    const all = (this.frames.get(connectionId) ?? []) as Array<Record<string, unknown>>;
    return (type ? all.filter((f) => f.type === type) : all) as T[];
  }

  clear(): void {
    this.frames.clear();
    this.gone.clear();
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

/**
 * A two-way route's handler as API Gateway runs it (infra/functions.ts `reply`): the function's `body` is sent on
 * the caller's connection as the route response, so it is recorded here as one more frame to that connection,
 * after the frames the invocation posted. `connections` is read at call time (harnesses start in beforeAll).
 */
export function twoWay<E extends { requestContext: { connectionId: string } }, C, R>(
  handler: (event: E, context?: C) => Promise<R>,
  connections: () => ConnectionsServer,
): (event: E, context?: C) => Promise<R> {
  return async (event, context) => {
    const result = await handler(event, context);
    const body = (result as { body?: unknown } | null)?.body;
    if (typeof body === 'string' && body !== '') {
      const server = connections();
      const id = event.requestContext.connectionId;
      if (!server.gone.has(id)) server.frames.set(id, [...(server.frames.get(id) ?? []), JSON.parse(body)]);
    }
    return result;
  };
}
