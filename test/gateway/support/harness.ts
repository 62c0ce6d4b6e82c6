import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionSpec, Needs, Trigger } from '../../../infra/functions';
import { LocalGateway, type AnyHandler, type GatewayOptions } from '../../../infra/local/gateway';

const noNeeds: Needs = {
  table: 'none',
  manageConnections: false,
  sendsSms: false,
  jwt: false,
  twilioWebhook: false,
  schedulesAckCheck: false,
};

/** A manifest entry for a fake handler; `entry` is never loaded, the loader maps names to functions. */
export const spec = (name: string, trigger: Trigger): FunctionSpec => ({
  name,
  entry: `test/${name}.ts`,
  trigger,
  needs: noNeeds,
});

/** One invocation a fake handler saw, after the JSON round trip a real Lambda invocation makes. */
export interface Invocation {
  fn: string;
  event: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Harness {
  gateway: LocalGateway;
  server: http.Server;
  port: number;
  baseUrl: string;
  wsUrl: string;
  /** The @connections endpoint: the gateway's own loopback listener, not `baseUrl`. */
  connectionsUrl: string;
  invocations: Invocation[];
  errors: { err: unknown; where: string }[];
  logs: { event: string; fields: Record<string, unknown> }[];
  /** Events seen by one function, in order. */
  eventsOf: (fn: string) => any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop: () => Promise<void>;
}

/** Requests the gateway declines reach this fallback, so tests can tell "not mine" from an answer. */
export const FALLTHROUGH_STATUS = 599;

/**
 * Starts a real HTTP server on 127.0.0.1 with a gateway over fake handlers. Every event a handler gets is
 * recorded before the handler runs.
 */
export async function startGateway(
  functions: FunctionSpec[],
  handlers: Record<string, AnyHandler>,
  options: Partial<GatewayOptions> = {},
): Promise<Harness> {
  const invocations: Invocation[] = [];
  const errors: Harness['errors'] = [];
  const logs: Harness['logs'] = [];
  const gateway = new LocalGateway({
    functions,
    loadHandler: async (s) => {
      const handler = handlers[s.name];
      if (!handler) throw new Error(`no fake handler for ${s.name}`);
      return async (event, context) => {
        invocations.push({ fn: s.name, event: JSON.parse(JSON.stringify(event)) });
        return handler(event, context);
      };
    },
    onError: (err, where) => errors.push({ err, where }),
    log: (event, fields) => logs.push({ event, fields }),
    ...options,
  });
  const server = http.createServer((req, res) => {
    gateway.handleHttp(req, res).then(
      (handled) => {
        if (!handled) res.writeHead(FALLTHROUGH_STATUS).end('fallthrough');
      },
      (err) => {
        errors.push({ err, where: 'handleHttp' });
        res.writeHead(598).end();
      },
    );
  });
  gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const connectionsUrl = await gateway.listenConnections();
  return {
    gateway,
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    connectionsUrl,
    invocations,
    errors,
    logs,
    eventsOf: (fn) => invocations.filter((i) => i.fn === fn).map((i) => i.event),
    stop: async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise with its resolve function outside, to hold a handler until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
