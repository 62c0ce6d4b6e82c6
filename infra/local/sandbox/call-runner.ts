import { HttpError } from './http-io';
import { newSid } from './ids';
import { childElements, textOf, type XmlElement } from './twiml-parser';
import {
  HTTP_RETRIEVAL_FAILURE,
  methodOf,
  readTwimlResponse,
  resolveUrl,
  type TwilioErrorInfo,
} from './twiml-response';
import { voiceSchemaError } from './twiml-voice-schema';
import type { CallState, DialedLeg, SandboxLog } from './types';
import type { WebhookClient } from './webhook-client';

export interface CallRunnerDeps {
  accountSid: string;
  /** The numbers the account owns: a `<Dial callerId>` must be one of them, or the call's own From or To. */
  serviceNumbers: readonly string[];
  webhooks: WebhookClient;
  /** Whether a dialled number answers; the undeliverable range does not. */
  isReachable: (phone: string) => boolean;
  log: SandboxLog;
  /** Calls an earlier run kept (see `onChange`); they can be read but no longer take digits. */
  initial?: readonly CallState[];
  /** Runs after a call changed, so its state can be kept across restarts. */
  onChange?: () => void;
}

/** A `<Gather>` waiting for the caller's keys, and where the document goes on without them. */
interface PendingGather {
  action: string;
  method: 'GET' | 'POST';
  finishOnKey: string;
  numDigits?: number;
  actionOnEmptyResult: boolean;
  rest: XmlElement[];
  documentUrl: string;
}

interface Call {
  state: CallState;
  pending?: PendingGather;
  /** Serialises the steps of one call, so digits posted in a burst are taken in order. */
  queue: Promise<unknown>;
}

/** What to do after running verbs: fetch the next document, wait for digits, or end the call. */
type Step =
  | { kind: 'fetch'; url: string; method: 'GET' | 'POST'; params: Record<string, string> }
  | { kind: 'wait' }
  | { kind: 'end' };

const VOICE_WEBHOOK_PATH = '/twilio/voice';
// A Redirect loop would otherwise keep a POST /sandbox/calls open for ever.
const MAX_DOCUMENTS_PER_STEP = 25;
const MAX_CALLS = 1_000;
// What a Twilio caller hears when the app fails.
const APPLICATION_ERROR_SPEECH = 'An application error has occurred. Goodbye.';
const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed']);

/**
 * Simulates inbound voice calls: it posts Twilio's voice webhook and runs the TwiML it gets back (Say, Play,
 * Pause, Gather, Redirect, Dial, Hangup, Reject), recording what the caller heard and whom the call was
 * connected to. A Gather waits until the test posts digits; timeouts are simulated by posting no digits.
 */
export class CallRunner {
  private readonly calls = new Map<string, Call>();
  /** Phones set not to answer the calls dialled to them (memory only); the rest answer when reachable. */
  private readonly answering = new Map<string, 'no-answer' | 'busy'>();

  constructor(private readonly deps: CallRunnerDeps) {
    for (const state of deps.initial ?? []) this.calls.set(state.sid, { state, queue: Promise.resolve() });
  }

  /** Every call's state, oldest first (what is kept across restarts). */
  states(): CallState[] {
    return [...this.calls.values()].map((call) => snapshot(call.state));
  }

  /** Places a call from a phone to a service number and runs it until it waits for digits or ends. */
  async start(from: string, to: string): Promise<CallState> {
    const call: Call = {
      state: { sid: newSid('CA'), from, to, status: 'ringing', said: [] },
      queue: Promise.resolve(),
    };
    this.remember(call);
    const url = this.deps.webhooks.publicUrlFor(VOICE_WEBHOOK_PATH);
    return this.serialise(call, () => this.drive(call, { kind: 'fetch', url, method: 'POST', params: {} }));
  }

  /** How a phone takes calls dialled to it: 'answer' (the default), or rings out ('no-answer') or is 'busy'. */
  setAnswering(phone: string, answer: 'answer' | 'no-answer' | 'busy'): void {
    if (answer === 'answer') this.answering.delete(phone);
    else this.answering.set(phone, answer);
  }

  /** The call's current state, or undefined for an unknown SID. */
  get(sid: string): CallState | undefined {
    const call = this.calls.get(sid);
    return call && snapshot(call.state);
  }

  /** Presses keys on a call waiting in a Gather; an empty string is a Gather that timed out. */
  async pressDigits(sid: string, digits: string): Promise<CallState> {
    const call = this.calls.get(sid);
    if (!call) throw new HttpError(404, 'not_found', 'no such call');
    return this.serialise(call, async () => {
      const pending = call.pending;
      if (!pending) throw new HttpError(409, 'not_gathering', 'the call is not waiting for digits');
      call.pending = undefined;
      const { value, finishedOnKey } = collectDigits(digits, pending);
      const next: Step =
        value === '' && !pending.actionOnEmptyResult
          ? await this.runDocument(call, pending.rest, pending.documentUrl)
          : {
              kind: 'fetch',
              url: pending.action,
              method: pending.method,
              params: { Digits: value, FinishedOnKey: finishedOnKey },
            };
      await this.drive(call, next);
    });
  }

  private async serialise(call: Call, work: () => Promise<void>): Promise<CallState> {
    const run = call.queue.then(work);
    call.queue = run.catch(() => undefined);
    try {
      await run;
    } finally {
      this.deps.onChange?.();
    }
    return snapshot(call.state);
  }

  private remember(call: Call): void {
    this.calls.set(call.state.sid, call);
    if (this.calls.size > MAX_CALLS) this.calls.delete(this.calls.keys().next().value as string);
  }

  /** Fetches and runs documents until the call waits for digits or ends. */
  private async drive(call: Call, first: Step): Promise<void> {
    let step = first;
    for (let documents = 0; step.kind === 'fetch'; documents += 1) {
      if (documents === MAX_DOCUMENTS_PER_STEP) {
        return this.fail(call, { code: 11200, message: 'Too many redirects' });
      }
      const document = await this.fetchDocument(call, step);
      if (document === undefined) return;
      step = await this.runDocument(call, childElements(document.root), document.url);
    }
    if (step.kind === 'end') this.finish(call);
    this.deps.log('sandbox.call.status', { sid: call.state.sid, status: call.state.status });
  }

  private async fetchDocument(
    call: Call,
    step: Extract<Step, { kind: 'fetch' }>,
  ): Promise<{ root: XmlElement; url: string } | undefined> {
    const params = { ...this.callParams(call), ...step.params };
    let response;
    try {
      response = await this.deps.webhooks.send({ url: step.url, method: step.method, params });
    } catch {
      this.fail(call, HTTP_RETRIEVAL_FAILURE);
      return undefined;
    }
    this.deps.log('sandbox.call.webhook', { sid: call.state.sid, http: response.status });
    const outcome = readTwimlResponse(response, 'voice');
    if (outcome.kind === 'twiml') {
      const invalid = voiceSchemaError(outcome.root, this.voiceContext(call, false));
      if (!invalid) return { root: outcome.root, url: step.url };
      this.fail(call, invalid);
      return undefined;
    }
    this.fail(
      call,
      outcome.kind === 'error' ? outcome.error : { code: 12100, message: 'Document parse failure' },
    );
    return undefined;
  }

  /** Runs verbs; a URL attribute that cannot be resolved fails the call as Twilio does (11100). */
  private async runDocument(call: Call, verbs: XmlElement[], documentUrl: string): Promise<Step> {
    try {
      return await this.runVerbs(call, verbs, documentUrl);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      this.fail(call, { code: 11100, message: 'Invalid URL format' });
      return { kind: 'end' };
    }
  }

  /** Runs a document's verbs in order and says what comes next. */
  private async runVerbs(call: Call, verbs: XmlElement[], documentUrl: string): Promise<Step> {
    for (const [index, verb] of verbs.entries()) {
      if (verb.name === 'Reject') return this.reject(call, verb);
      call.state.status = 'in-progress';
      switch (verb.name) {
        case 'Say':
        case 'Play':
        case 'Pause':
          this.speak(call, verb);
          break;
        case 'Gather':
          return this.gather(call, verb, verbs.slice(index + 1), documentUrl);
        case 'Redirect':
          return {
            kind: 'fetch',
            url: resolveUrl(textOf(verb), documentUrl),
            method: methodOf(verb),
            params: {},
          };
        case 'Dial': {
          const next = await this.dial(call, verb, documentUrl);
          if (next !== undefined) return next;
          break;
        }
        case 'Hangup':
          return { kind: 'end' };
        default:
          this.deps.log('sandbox.call.unsupported_verb', { sid: call.state.sid, verb: verb.name });
      }
    }
    return { kind: 'end' };
  }

  /** Say adds its text to what the caller heard; Play adds a marker; Pause is silence. */
  private speak(call: Call, verb: XmlElement): void {
    if (verb.name === 'Say') call.state.said.push(textOf(verb));
    if (verb.name === 'Play') call.state.said.push('[play]');
  }

  private gather(call: Call, verb: XmlElement, rest: XmlElement[], documentUrl: string): Step {
    for (const nested of childElements(verb)) {
      if (['Say', 'Play', 'Pause'].includes(nested.name)) this.speak(call, nested);
    }
    const numDigits = Number(verb.attributes.numDigits);
    call.pending = {
      action: resolveUrl(verb.attributes.action ?? '', documentUrl),
      method: methodOf(verb),
      finishOnKey: verb.attributes.finishOnKey ?? '#',
      numDigits: Number.isInteger(numDigits) && numDigits > 0 ? numDigits : undefined,
      actionOnEmptyResult: verb.attributes.actionOnEmptyResult === 'true',
      rest,
      documentUrl,
    };
    return { kind: 'wait' };
  }

  /**
   * Connects the call to a number (a nested `<Number>` or the verb's text). The dialled leg ends at once:
   * 'completed' when the number answers, 'no-answer' in the undeliverable range. A `<Number url>` is the
   * whisper: when the number answers, that document is fetched and run on the callee's leg, and what it says
   * is recorded. With an `action`, Twilio fetches it with DialCallStatus; without one the document goes on.
   */
  private async dial(call: Call, verb: XmlElement, documentUrl: string): Promise<Step | undefined> {
    const number = childElements(verb).find((child) => child.name === 'Number');
    const to = number ? textOf(number) : childElements(verb).length === 0 ? textOf(verb) : '';
    if (to === '') {
      this.deps.log('sandbox.call.unsupported_verb', { sid: call.state.sid, verb: 'Dial' });
      return undefined;
    }
    const leg: DialedLeg = { to, callerId: verb.attributes.callerId ?? call.state.from };
    call.state.dialed = leg;
    leg.status = this.deps.isReachable(to) ? (this.answering.get(to) ?? 'completed') : 'no-answer';
    if (leg.status === 'completed' && number?.attributes.url !== undefined) {
      leg.status = await this.whisper(
        call,
        leg,
        resolveUrl(number.attributes.url, documentUrl),
        methodOf(number),
      );
    }
    if (verb.attributes.action === undefined) return undefined;
    return {
      kind: 'fetch',
      url: resolveUrl(verb.attributes.action, documentUrl),
      method: methodOf(verb),
      params: { DialCallStatus: leg.status, DialCallSid: newSid('CA'), DialCallDuration: '0' },
    };
  }

  /**
   * Runs a `<Number url>` document on the callee's leg, as Twilio does once the callee answers and before the
   * bridge: its Say/Play (nested in a Gather too) are what the callee hears. A Hangup or Reject there means
   * the callee declined ('no-answer'); a document that cannot be fetched or breaks the rules (a `<Dial>`
   * included, 13201) fails the leg ('failed', with `whisperError`).
   */
  private async whisper(
    call: Call,
    leg: DialedLeg,
    url: string,
    method: 'GET' | 'POST',
  ): Promise<'completed' | 'no-answer' | 'failed'> {
    const failed = (error: TwilioErrorInfo) => {
      leg.whisperError = error;
      this.deps.log('sandbox.call.whisper', { sid: call.state.sid, code: error.code });
      return 'failed' as const;
    };
    const params = {
      CallSid: newSid('CA'),
      AccountSid: this.deps.accountSid,
      From: leg.callerId,
      To: leg.to,
      CallStatus: 'in-progress',
      Direction: 'outbound-dial',
      ApiVersion: '2010-04-01',
      ParentCallSid: call.state.sid,
      Caller: leg.callerId,
      Called: leg.to,
    };
    let response;
    try {
      response = await this.deps.webhooks.send({ url, method, params });
    } catch {
      return failed(HTTP_RETRIEVAL_FAILURE);
    }
    const outcome = readTwimlResponse(response, 'voice');
    if (outcome.kind !== 'twiml') {
      return failed(
        outcome.kind === 'error' ? outcome.error : { code: 12100, message: 'Document parse failure' },
      );
    }
    const invalid = voiceSchemaError(outcome.root, this.voiceContext(call, true));
    if (invalid) return failed(invalid);
    const heard: string[] = [];
    leg.whisper = heard;
    for (const verb of childElements(outcome.root)) {
      if (verb.name === 'Hangup' || verb.name === 'Reject') return 'no-answer';
      const spoken = verb.name === 'Gather' ? childElements(verb) : [verb];
      for (const v of spoken) {
        if (v.name === 'Say') heard.push(textOf(v));
        if (v.name === 'Play') heard.push('[play]');
      }
    }
    this.deps.log('sandbox.call.whisper', { sid: call.state.sid, http: response.status });
    return 'completed';
  }

  /** What a document of this call may use as a `<Dial>` caller ID, and whether it runs as a whisper. */
  private voiceContext(call: Call, whisper: boolean) {
    return { callerIds: [...this.deps.serviceNumbers, call.state.from, call.state.to], whisper };
  }

  /** Reject before answering ends the call busy or unanswered; later it just hangs up. */
  private reject(call: Call, verb: XmlElement): Step {
    if (call.state.status === 'ringing') {
      call.state.status = verb.attributes.reason === 'busy' ? 'busy' : 'no-answer';
    }
    return { kind: 'end' };
  }

  private fail(call: Call, error: TwilioErrorInfo): void {
    call.state.said.push(APPLICATION_ERROR_SPEECH);
    call.state.error = error;
    call.pending = undefined;
    call.state.status = 'failed';
    this.deps.log('sandbox.call.status', { sid: call.state.sid, status: 'failed', code: error.code });
  }

  /** Ends the call normally, unless it already ended busy, unanswered or failed. */
  private finish(call: Call): void {
    call.pending = undefined;
    if (!TERMINAL.has(call.state.status)) call.state.status = 'completed';
  }

  /** The parameters Twilio sends with every voice request of a call. */
  private callParams(call: Call): Record<string, string> {
    const { sid, from, to, status } = call.state;
    return {
      CallSid: sid,
      AccountSid: this.deps.accountSid,
      From: from,
      To: to,
      CallStatus: status,
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
      Caller: from,
      Called: to,
    };
  }
}

/** The digits a Gather takes: up to its finish key or numDigits, whichever comes first. */
function collectDigits(pressed: string, gather: PendingGather): { value: string; finishedOnKey: string } {
  let value = '';
  for (const key of pressed) {
    if (gather.finishOnKey !== '' && gather.finishOnKey.includes(key)) return { value, finishedOnKey: key };
    value += key;
    if (gather.numDigits !== undefined && value.length >= gather.numDigits) break;
  }
  return { value, finishedOnKey: '' };
}

function snapshot(state: CallState): CallState {
  return {
    ...state,
    said: [...state.said],
    ...(state.dialed && {
      dialed: {
        ...state.dialed,
        ...(state.dialed.whisper && { whisper: [...state.dialed.whisper] }),
      },
    }),
    ...(state.error && { error: { ...state.error } }),
  };
}
