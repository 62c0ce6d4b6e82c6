import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

/**
 * X-Ray subsegments for AWS SDK v3 calls: one per call (retries included), sent to the X-Ray daemon that Lambda
 * runs when active tracing is on, as the X-Ray SDK's captureAWSv3Client does, and the trace header
 * (`Root;Parent=<subsegment>;Sampled`) on the outgoing request so the called service joins the trace.
 *
 * Why not the X-Ray SDK (aws-xray-sdk-core) or Powertools Tracer, which wraps it: measured with the stack's
 * esbuild settings (test/infra/bundles.test.ts), captureAWSv3Client from the package adds 110 KiB to every
 * bundle (Powertools Tracer 124 KiB; deep imports of its private paths still 70 KiB), which puts twilio-sms,
 * http-auth-verify and twilio-sms-status over their budgets; and the X-Ray SDKs are in maintenance mode since
 * 2026-02-25 (end of support 2027-02-25, per AWS's X-Ray docs). The ADOT layer costs no bundle bytes but its
 * instrumentation hooks `require` of the SDK packages, which never happens for a bundled SDK. This is about
 * 3 KiB, on two public formats:
 * - the segment document: https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html
 * - the daemon's UDP protocol (a `{"format":"json","version":1}` header line, then the document):
 *   https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-daemon
 *
 * A subsegment carries the service, operation, region, HTTP status, AWS request id, attempt count and, on
 * failure, the error's name: never parameters, keys, table items or error messages (no personal data).
 * Without AWS_XRAY_DAEMON_ADDRESS (locally, in tests, with tracing off) the client is returned untouched.
 */

/** The parts of `_X_AMZN_TRACE_ID` a subsegment needs. */
export interface TraceHeader {
  root: string;
  parent?: string;
  sampled: boolean;
}

/** Parses `Root=1-…;Parent=<16 hex>;Sampled=1[;Lineage=…]`. Undefined when there is no Root. */
export function parseTraceHeader(value: string | undefined): TraceHeader | undefined {
  if (!value) return undefined;
  const parts = new Map(
    value.split(';').map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i).trim().toLowerCase(), kv.slice(i + 1).trim()] as const;
    }),
  );
  const root = parts.get('root');
  if (!root) return undefined;
  return { root, parent: parts.get('parent') || undefined, sampled: parts.get('sampled') !== '0' };
}

/**
 * The daemon's UDP address from AWS_XRAY_DAEMON_ADDRESS: `host:port`, or `udp:host:port tcp:host:port` (the
 * UDP one is used). Undefined when unset or unreadable.
 */
export function daemonAddress(value: string | undefined): { host: string; port: number } | undefined {
  if (!value) return undefined;
  const parts = value.trim().split(/\s+/);
  const udp = parts.find((p) => p.startsWith('udp:'))?.slice(4) ?? parts.find((p) => !p.includes('tcp:'));
  const m = udp ? /^(.+):(\d{1,5})$/.exec(udp) : null;
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1], port } : undefined;
}

/** Where subsegment documents go; the default sends one UDP datagram per document. */
export type SegmentSink = (document: Record<string, unknown>) => void;

const DAEMON_HEADER = '{"format":"json","version":1}\n';

function udpSink(address: { host: string; port: number }): SegmentSink {
  return (document) => {
    const message = Buffer.from(DAEMON_HEADER + JSON.stringify(document));
    // One socket per datagram, closed once sent (the X-Ray SDK does the same on Lambda, where a socket kept
    // open would be frozen between invocations).
    const socket = createSocket(address.host.includes(':') ? 'udp6' : 'udp4');
    socket.on('error', () => socket.close());
    socket.send(message, address.port, address.host, () => socket.close());
  };
}

/** The smallest shape of an SDK v3 client this needs (every @aws-sdk/client-* client has it). */
interface SdkClient {
  config: { serviceId?: string; region?: unknown };
  middlewareStack: {
    add(
      middleware: (next: Handler, context: { commandName?: string }) => Handler,
      options: { step: 'build'; name: string; priority: 'high'; override?: boolean },
    ): void;
  };
}
type Handler = (args: { request: unknown }) => Promise<{ output?: { $metadata?: Metadata } }>;
interface Metadata {
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
}

const MIDDLEWARE_NAME = 'imsmsXRaySubsegment';

/**
 * Adds the subsegment middleware to `client` when AWS_XRAY_DAEMON_ADDRESS is set (Lambda with active tracing),
 * and returns the same client. The trace context is read per call from `_X_AMZN_TRACE_ID`, which the Lambda
 * runtime sets for each invocation; a call outside a sampled trace sends nothing. `sink` replaces the UDP sender
 * (tests). Never throws into the call: a tracing failure is dropped.
 */
export function traceAwsClient<T>(client: T, env: NodeJS.ProcessEnv = process.env, sink?: SegmentSink): T {
  const address = daemonAddress(env.AWS_XRAY_DAEMON_ADDRESS);
  if (!address) return client;
  const send = sink ?? udpSink(address);
  const c = client as unknown as SdkClient;
  c.middlewareStack.add(
    (next, context) => async (args) => {
      const trace = parseTraceHeader(env._X_AMZN_TRACE_ID);
      if (!trace) return next(args);
      const id = randomBytes(8).toString('hex');
      setTraceHeader(args.request, trace, id);
      const start = Date.now() / 1000;
      let metadata: Metadata | undefined;
      let errorName: string | undefined;
      try {
        const result = await next(args);
        metadata = result.output?.$metadata;
        return result;
      } catch (err) {
        metadata = (err as { $metadata?: Metadata })?.$metadata;
        errorName = err instanceof Error ? err.name : 'Error';
        throw err;
      } finally {
        if (trace.sampled) {
          try {
            send(
              await subsegment(
                c,
                context.commandName,
                trace,
                id,
                start,
                Date.now() / 1000,
                metadata,
                errorName,
              ),
            );
          } catch {
            // Tracing never fails a call.
          }
        }
      }
    },
    { step: 'build', name: MIDDLEWARE_NAME, priority: 'high', override: true },
  );
  return client;
}

function setTraceHeader(request: unknown, trace: TraceHeader, id: string): void {
  const headers = (request as { headers?: Record<string, string> } | undefined)?.headers;
  if (!headers) return;
  for (const key of Object.keys(headers)) if (key.toLowerCase() === 'x-amzn-trace-id') delete headers[key];
  headers['X-Amzn-Trace-Id'] = `Root=${trace.root};Parent=${id};Sampled=${trace.sampled ? 1 : 0}`;
}

async function subsegment(
  client: SdkClient,
  commandName: string | undefined,
  trace: TraceHeader,
  id: string,
  start: number,
  end: number,
  metadata: Metadata | undefined,
  errorName: string | undefined,
): Promise<Record<string, unknown>> {
  const status = metadata?.httpStatusCode;
  const region =
    typeof client.config.region === 'function' ? await client.config.region() : client.config.region;
  return {
    name: client.config.serviceId ?? 'AWS',
    id,
    trace_id: trace.root,
    ...(trace.parent ? { parent_id: trace.parent } : {}),
    type: 'subsegment',
    namespace: 'aws',
    start_time: start,
    end_time: end,
    aws: {
      operation: (commandName ?? 'unknown').replace(/Command$/, ''),
      ...(typeof region === 'string' ? { region } : {}),
      ...(metadata?.requestId ? { request_id: metadata.requestId } : {}),
      retries: Math.max(0, (metadata?.attempts ?? 1) - 1),
    },
    ...(status ? { http: { response: { status } } } : {}),
    ...(errorName !== undefined
      ? {
          ...(status === 429 || /Throttl|ProvisionedThroughputExceeded|TooManyRequests/.test(errorName)
            ? { throttle: true }
            : {}),
          ...(status !== undefined && status < 500 ? { error: true } : { fault: true }),
          cause: { exceptions: [{ id: randomBytes(8).toString('hex'), type: errorName }] },
        }
      : {}),
  };
}
