import PQueue from 'p-queue';
import type { FunctionSpec } from '../../functions';
import { createLambdaContext } from './lambda-context';

/** A Lambda handler as the gateway calls it: promise style, like every handler in functions/. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHandler = (event: any, context: any) => Promise<any>;

/** Loads a function's module; called at most once per function, like a warm container. */
export type HandlerLoader = (spec: FunctionSpec) => Promise<AnyHandler>;

/**
 * How invocations share the one Node thread of the local runtime when it is short of CPU, where API Gateway and
 * Lambda would scale out instead. At most `maxConcurrent` invocations run at once; the others wait in memory and
 * start highest `priorityOf` first, in arrival order within a priority. So, with webhooks, acks and due checks
 * above new sends, what finishes messages already under way (and Twilio, which gives a webhook 15 s) is never
 * queued behind a growing backlog of sends: overload costs the sends latency, never a message
 * (docs/reliability.md, finding 16). Without it, every invocation starts at once.
 */
export interface InvocationScheduling {
  /** The most invocations running at once (at least 1). */
  maxConcurrent: number;
  /** A function's priority: higher starts first. */
  priorityOf: (spec: FunctionSpec) => number;
}

/** What {@link FunctionRegistry.invoke} returns for an invocation it did not start, because it was no longer wanted. */
export const NOT_RUN = Symbol('not run');

/**
 * The manifest as the gateway reads it: which function serves an HTTP route, a WebSocket route key or the
 * authorizer, and how to invoke it. Duplicate triggers are a manifest bug, so they fail at start.
 */
export class FunctionRegistry {
  private readonly http = new Map<string, Map<string, FunctionSpec>>();
  private readonly ws = new Map<string, FunctionSpec>();
  private readonly authorizerSpec: FunctionSpec | undefined;
  private readonly loaded = new Map<string, Promise<AnyHandler>>();
  private readonly queue: PQueue | undefined;

  constructor(
    functions: readonly FunctionSpec[],
    private readonly loadHandler: HandlerLoader,
    private readonly scheduling?: InvocationScheduling,
  ) {
    if (scheduling) this.queue = new PQueue({ concurrency: scheduling.maxConcurrent });
    const authorizers = functions.filter((f) => f.trigger.kind === 'ws-authorizer');
    if (authorizers.length > 1) throw new Error('The manifest has more than one ws-authorizer');
    this.authorizerSpec = authorizers[0];
    for (const spec of functions) this.index(spec);
  }

  /** The function for this method and exact path, if any. */
  httpRoute(method: string, path: string): FunctionSpec | undefined {
    return this.http.get(path)?.get(method);
  }

  /** The methods that have a route on this exact path, sorted; empty when none. */
  httpMethods(path: string): string[] {
    return [...(this.http.get(path)?.keys() ?? [])].sort();
  }

  /** Whether any HTTP route uses this path, whatever its method. */
  hasHttpPath(path: string): boolean {
    return this.http.has(path);
  }

  /** The function for a WebSocket route key ('$connect', '$default', 'sendMessage', …), if any. */
  wsRoute(routeKey: string): FunctionSpec | undefined {
    return this.ws.get(routeKey);
  }

  /** The WebSocket REQUEST authorizer, if the manifest has one. */
  get authorizer(): FunctionSpec | undefined {
    return this.authorizerSpec;
  }

  /**
   * Invokes with a fresh Lambda context, when the scheduling lets it start; resolves {@link NOT_RUN} without
   * running it when `wanted` says no at that moment (a frame still waiting when the gateway stops). Rejections
   * pass through: the caller maps them as AWS does.
   */
  async invoke(spec: FunctionSpec, event: unknown, wanted?: () => boolean): Promise<unknown> {
    const handler = await this.handlerFor(spec);
    return this.schedule(spec, async () =>
      wanted && !wanted() ? NOT_RUN : handler(event, createLambdaContext(spec.name)),
    );
  }

  /**
   * Runs `task` as an invocation of `spec`: at once without scheduling, else in its turn by the function's
   * priority (the local stack's due checks, which run outside the gateway, take their turns here too).
   */
  schedule<T>(spec: FunctionSpec, task: () => Promise<T>): Promise<T> {
    if (!this.queue || !this.scheduling) return task();
    return this.queue.add(task, { priority: this.scheduling.priorityOf(spec) });
  }

  /** Invocations waiting for their turn (0 without scheduling). */
  get waiting(): number {
    return this.queue?.size ?? 0;
  }

  private index(spec: FunctionSpec): void {
    const t = spec.trigger;
    if (t.kind === 'http') {
      const byMethod = this.http.get(t.path) ?? new Map<string, FunctionSpec>();
      if (byMethod.has(t.method)) throw new Error(`Two functions serve ${t.method} ${t.path}`);
      this.http.set(t.path, byMethod.set(t.method, spec));
    } else if (t.kind === 'ws') {
      if (this.ws.has(t.routeKey)) throw new Error(`Two functions serve the WebSocket route ${t.routeKey}`);
      this.ws.set(t.routeKey, spec);
    }
  }

  private handlerFor(spec: FunctionSpec): Promise<AnyHandler> {
    let pending = this.loaded.get(spec.name);
    if (!pending) {
      pending = this.loadHandler(spec);
      this.loaded.set(spec.name, pending);
      // A module that failed to load may load after a fix (e.g. under a watcher): do not cache the failure.
      pending.catch(() => this.loaded.delete(spec.name));
    }
    return pending;
  }
}
