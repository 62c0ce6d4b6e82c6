import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { CallRunner } from './call-runner';
import { HttpError, sendError } from './http-io';
import { isSid } from './ids';
import { InboundSms } from './inbound-sms';
import { JsonFile } from './json-file';
import { MessageDispatcher } from './message-dispatcher';
import { MessageStore } from './message-store';
import { isE164 } from './phone-numbers';
import { REST_PREFIX, RestApi } from './rest-api';
import { SandboxApi } from './sandbox-api';
import { TaskTracker } from './task-tracker';
import type { CallState, SandboxLog, SandboxOptions } from './types';
import { WebhookClient } from './webhook-client';

const DEFAULT_STATUS_DELAY_MS = 50;

/**
 * A simulated phone network that speaks Twilio: the REST Messages resource for the app's outbound SMS,
 * signed SMS and voice webhooks for what simulated phones send, and /sandbox endpoints that let tests and the
 * console act as those phones. Mount it on any http server with `handle`.
 */
export class TwilioSandbox {
  private readonly tracker = new TaskTracker();
  private readonly log: SandboxLog;
  private readonly rest: RestApi;
  private readonly phones: SandboxApi;
  private readonly store: MessageStore;
  private readonly callsFile: JsonFile<CallState[]> | undefined;
  private readonly dispatcher: MessageDispatcher;

  constructor(opts: SandboxOptions) {
    checkOptions(opts);
    const log = opts.log ?? (() => undefined);
    const accountSid = opts.accountSid;
    // A copy, so a caller changing its array later cannot change what the sandbox owns.
    const serviceNumbers = [...opts.serviceNumbers];
    const tracker = this.tracker;
    const dir = opts.dataDir;
    const store = new MessageStore(dir === undefined ? undefined : path.join(dir, 'messages.json'));
    this.store = store;
    const webhooks = new WebhookClient({
      authToken: opts.authToken,
      publicUrl: opts.publicUrl,
      deliverTo: opts.deliverTo,
      tracker,
    });
    const statusDelayMs = opts.statusDelayMs ?? DEFAULT_STATUS_DELAY_MS;
    const dispatcher = new MessageDispatcher({ accountSid, store, webhooks, tracker, statusDelayMs, log });
    const inbound = new InboundSms({ accountSid, serviceNumbers, store, dispatcher, webhooks, log });
    const callsPath = dir === undefined ? undefined : path.join(dir, 'calls.json');
    const keptCalls = callsPath === undefined ? undefined : JsonFile.read(callsPath);
    const calls: CallRunner = new CallRunner({
      accountSid,
      serviceNumbers,
      webhooks,
      isReachable: (p) => store.isReachable(p),
      log,
      initial: Array.isArray(keptCalls) ? (keptCalls as CallState[]) : undefined,
      onChange: () => this.callsFile?.changed(),
    });
    this.callsFile = callsPath === undefined ? undefined : new JsonFile(callsPath, () => calls.states());
    this.log = log;
    this.rest = new RestApi({
      accountSid,
      authToken: opts.authToken,
      serviceNumbers,
      store,
      dispatcher,
      log,
      numbersFile: dir === undefined ? undefined : path.join(dir, 'numbers.json'),
    });
    this.phones = new SandboxApi({ accountSid, serviceNumbers, store, inbound, calls });
    this.dispatcher = dispatcher;
  }

  /**
   * Takes up the status steps an earlier run's stop cut short (messages kept in `dataDir` still `queued` or
   * `sent`): each goes on to its end, posted to its StatusCallback. Call it once the app that takes those
   * callbacks answers (the local stack: once it listens). Returns how many messages were taken up.
   */
  resume(): number {
    const resumed = this.dispatcher.resume();
    if (resumed > 0) this.log('sandbox.message.resumed', { count: resumed });
    return resumed;
  }

  /**
   * Handles the request if its path is the sandbox's (`/sandbox…` or Twilio's REST `/2010-04-01/…`) and
   * resolves true; resolves false, without touching the request, for any other path.
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const isRest = url.pathname === REST_PREFIX || url.pathname.startsWith(REST_PREFIX + '/');
    const isSandbox = url.pathname === '/sandbox' || url.pathname.startsWith('/sandbox/');
    if (!isRest && !isSandbox) return false;
    try {
      if (this.tracker.isClosed) throw new HttpError(503, 'closed', 'the sandbox is shut down');
      if (isRest) await this.rest.handle(req, res, url);
      else await this.phones.handle(req, res, url);
    } catch (err) {
      this.answerError(res, err);
    }
    return true;
  }

  /** Stops the status timers, waits for webhooks already in flight, and writes what is kept in `dataDir`. */
  async close(): Promise<void> {
    await this.tracker.close();
    this.store.flush();
    this.callsFile?.flush();
    this.rest.flush();
  }

  private answerError(res: ServerResponse, err: unknown): void {
    let error: HttpError;
    if (err instanceof HttpError) {
      error = err;
    } else {
      this.log('sandbox.error', { error: err instanceof Error ? err.name : 'unknown' });
      error = new HttpError(500, 'internal', 'the sandbox failed to handle the request');
    }
    if (res.headersSent) res.destroy();
    else sendError(res, error);
  }
}

/** Fails fast, naming the option, on a setup the sandbox could only misbehave with. */
function checkOptions(opts: SandboxOptions): void {
  if (!isSid(opts.accountSid, 'AC')) {
    throw new TypeError('SandboxOptions.accountSid must be AC + 32 hex digits');
  }
  if (opts.authToken === '') throw new TypeError('SandboxOptions.authToken must not be empty');
  if (opts.serviceNumbers.length === 0 || !opts.serviceNumbers.every(isE164)) {
    throw new TypeError('SandboxOptions.serviceNumbers must be one or more E.164 numbers');
  }
  for (const key of ['publicUrl', 'deliverTo'] as const) {
    if (!/^https?:\/\/[^/]/.test(opts[key]) || !URL.canParse(opts[key])) {
      throw new TypeError(`SandboxOptions.${key} must be an http(s) URL`);
    }
  }
  const delay = opts.statusDelayMs;
  if (delay !== undefined && (!Number.isFinite(delay) || delay < 0)) {
    throw new TypeError('SandboxOptions.statusDelayMs must be a non-negative number');
  }
}
