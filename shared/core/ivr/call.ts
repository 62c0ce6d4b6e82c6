import { IM_NUMBER_PATTERN } from '../conversion/addressing';
import { mapLimit } from '../concurrency';
import { routeMessage } from '../delivery/route';
import { messageIdFor } from '../ids';
import { chooseServiceNumber } from '../im-sms/service-numbers';
import { isServiceNumber } from '../im-sms/outbound';
import { judge, liveConnections } from '../judgement/judge';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { Recipient, UserProfile } from '../types';
import {
  MAX_ATTEMPTS,
  MISSED_CALL_TEXT,
  REFUSAL_SPEECH,
  SPOKEN,
  type CallRefusal,
  type VoiceAnswer,
} from './answer';

/** A call to a service number, as the voice webhook reports it. */
export interface InboundCall {
  /** The provider's id of the call (Twilio's CallSid); logged, and the key of its missed-call note. */
  callSid: string;
  /** The caller's phone in E.164, or null when it is withheld or not a phone number. */
  from: string | null;
  /** The service number called. */
  to: string;
}

/** The dial's outcomes that count as a missed call (Twilio's DialCallStatus words). */
export const MISSED_DIAL_STATUSES: ReadonlySet<string> = new Set(['no-answer', 'busy', 'failed']);

/** `call` frames to one callee's devices run at most this many at once (devices are capped per user anyway). */
const PUSH_CONCURRENCY = 8;

/**
 * A call to a service number (claims 5, 12). The caller must be a registered user (by the calling phone). When
 * the number called is the caller's thread with one contact (a pool number bound by SMS or an earlier call),
 * the call goes straight to that contact: the patent's "service number + IM number". Otherwise the caller is
 * asked to key the contact's imNumber, ending with #.
 *
 * A thread reaches its peer when either of the two has the other as a contact, so a callee can call back the
 * number a call came from; a thread whose peer is no contact either way falls back to the prompt.
 */
export async function answerCall(deps: Deps, call: InboundCall): Promise<VoiceAnswer> {
  const caller = await callerOf(deps, call.from);
  if (!caller) return refuse(deps, call, 'unknown_caller');
  const peer = caller.threads?.[call.to]?.peer;
  if (peer && peer !== caller.imNumber && (await eitherIsContact(deps, caller.imNumber, peer))) {
    return connect(deps, call, caller, peer, 'thread');
  }
  deps.log.info(LogEvent.IvrCall, { callSid: call.callSid, outcome: 'prompt', attempt: 1 });
  return { kind: 'prompt', say: [SPOKEN.welcome], prompt: SPOKEN.prompt, attempt: 1 };
}

/**
 * The caller keyed an imNumber (`digits`, without the #; empty when the prompt timed out). `attempt` is the
 * prompt's count, 1 to {@link MAX_ATTEMPTS}. Only the caller's own contacts can be dialled. Nothing keyed, or
 * something that is not an imNumber, is a wrong entry: the caller is asked again, and the third ends the call.
 * A well-formed imNumber that cannot be called is refused with its reason and the call ends, never dialled.
 * An unknown imNumber and a non-contact get the same words, so a phone cannot probe who has an account.
 */
export async function onKeyedDigits(
  deps: Deps,
  call: InboundCall,
  entry: { digits: string; attempt: number },
): Promise<VoiceAnswer> {
  const caller = await callerOf(deps, call.from);
  if (!caller) return refuse(deps, call, 'unknown_caller');
  const digits = entry.digits.trim();
  if (!IM_NUMBER_PATTERN.test(digits)) {
    if (entry.attempt >= MAX_ATTEMPTS) return refuse(deps, call, 'too_many_tries');
    const attempt = entry.attempt + 1;
    deps.log.info(LogEvent.IvrCall, { callSid: call.callSid, outcome: 'prompt', attempt });
    return { kind: 'prompt', say: [SPOKEN.notAnImNumber], prompt: SPOKEN.prompt, attempt };
  }
  const contact = await deps.contacts.getContact(caller.imNumber, { imNumber: digits });
  if (!contact) {
    return refuse(deps, call, looksLikeServiceNumber(deps, digits) ? 'service_number' : 'not_contact');
  }
  return connect(deps, call, caller, digits, 'keyed');
}

/**
 * What the callee hears on answering, before the call is bridged (the whisper): the caller's name and imNumber.
 * `callerImNumber` comes from the whisper URL the IVR itself handed out.
 */
export async function whisperFor(deps: Deps, callerImNumber: string): Promise<VoiceAnswer> {
  const caller = IM_NUMBER_PATTERN.test(callerImNumber) ? await deps.users.getUser(callerImNumber) : null;
  return {
    kind: 'announce',
    say: [caller ? SPOKEN.whisper(caller.name, caller.imNumber) : 'Call through IM SMS.'],
  };
}

/** How a dial ended, as the dial's action reports it. `caller` and `callee` are imNumbers. */
export interface DialEnd {
  callSid: string;
  caller: string;
  callee: string;
  /** Twilio's DialCallStatus: completed, answered, busy, no-answer, failed, canceled. */
  status: string;
}

/**
 * The dial ended. Unanswered ({@link MISSED_DIAL_STATUSES}): the callee gets "missed call from …" as a message
 * from the caller, routed by the judgement like any other (IM when online, else SMS through the opt-out gate,
 * from the thread number the call showed), once per call however often the provider retries; the caller hears
 * that the callee will be told. Any other outcome just hangs up.
 */
export async function onDialEnded(deps: Deps, end: DialEnd): Promise<VoiceAnswer> {
  if (!MISSED_DIAL_STATUSES.has(end.status) || !end.callSid) return { kind: 'end', say: [] };
  const valid = IM_NUMBER_PATTERN.test(end.caller) && IM_NUMBER_PATTERN.test(end.callee);
  const caller = valid ? await deps.users.getUser(end.caller) : null;
  const recipient = caller ? await deps.logins.getRecipient(end.callee) : null;
  if (!caller || !recipient) return { kind: 'end', say: [] };
  const outcome = await routeMessage(
    deps,
    {
      id: messageIdFor('sms', 'missed-call', end.callSid),
      from: caller.imNumber,
      fromName: caller.name,
      to: recipient.profile.imNumber,
      text: MISSED_CALL_TEXT,
      // A call came over the phone network, as a text would: the note reads as from the caller's phone.
      via: 'sms',
    },
    recipient,
  );
  deps.log.info(LogEvent.IvrMissedCall, {
    callSid: end.callSid,
    status: end.status,
    messageId: outcome.message?.id,
  });
  return { kind: 'end', say: [SPOKEN.missed(recipient.profile.name)] };
}

/** The registered user calling, by the calling phone; never one of the service's own numbers. */
async function callerOf(deps: Deps, from: string | null): Promise<UserProfile | null> {
  if (!from || isServiceNumber(deps, from)) return null;
  const imNumber = await deps.users.userOfPhone(from);
  return imNumber ? deps.users.getUser(imNumber) : null;
}

async function eitherIsContact(deps: Deps, a: string, b: string): Promise<boolean> {
  return (
    (await deps.contacts.getContact(a, { imNumber: b })) !== null ||
    (await deps.contacts.getContact(b, { imNumber: a })) !== null
  );
}

/** Keyed digits that are one of the service's own numbers (whole, or its last seven digits or more). */
function looksLikeServiceNumber(deps: Deps, digits: string): boolean {
  return deps.config.serviceNumbers.some((n) => {
    const own = n.replace(/\D/g, '');
    return own === digits || (digits.length >= 7 && own.endsWith(digits));
  });
}

/**
 * Rings the callee, unless they cannot be called. The caller ID is the service number of the callee's thread
 * with the caller (bound now if needed, as an SMS from the caller would bind it), so the callee sees one number
 * per contact, and calling or texting it back reaches the caller. A callee online in IM also gets a `call`
 * frame on every live device.
 */
async function connect(
  deps: Deps,
  call: InboundCall,
  caller: UserProfile,
  calleeImNumber: string,
  via: 'keyed' | 'thread',
): Promise<VoiceAnswer> {
  const recipient = await deps.logins.getRecipient(calleeImNumber);
  if (!recipient) return refuse(deps, call, 'not_contact');
  const callee = recipient.profile;
  if (!callee.phone) return refuse(deps, call, 'no_phone');
  if (isServiceNumber(deps, callee.phone)) return refuse(deps, call, 'service_number');
  if (callee.optedOut) return refuse(deps, call, 'opted_out');
  const now = deps.clock.now();
  const choice = chooseServiceNumber(deps.config.serviceNumbers, callee.threads ?? {}, caller.imNumber, now);
  if (choice.rebind) await deps.users.setThread(callee.imNumber, choice.number, choice.rebind);
  if (judge(recipient, now) === 'im') await announceCall(deps, call.callSid, recipient, caller, now);
  deps.log.info(LogEvent.IvrCall, { callSid: call.callSid, outcome: 'connect', via });
  return {
    kind: 'connect',
    say: [SPOKEN.connecting(callee.name)],
    to: callee.phone,
    callerId: choice.number,
    caller: caller.imNumber,
    callee: callee.imNumber,
  };
}

/** Tells the callee's live devices who is calling. Best effort: a failed push never stops the call. */
async function announceCall(
  deps: Deps,
  callSid: string,
  recipient: Recipient,
  caller: UserProfile,
  now: number,
): Promise<void> {
  await mapLimit(liveConnections(recipient, now), PUSH_CONCURRENCY, async (c) => {
    try {
      await deps.im.push(c.connectionId, { kind: 'call', from: caller.imNumber, fromName: caller.name });
    } catch (err) {
      deps.log.warn(LogEvent.IvrCallPushFailed, {
        callSid,
        connectionId: c.connectionId,
        err,
      });
    }
  });
}

function refuse(deps: Deps, call: InboundCall, reason: CallRefusal): VoiceAnswer {
  deps.log.info(LogEvent.IvrCall, { callSid: call.callSid, outcome: 'refused', reason });
  return { kind: 'end', say: [REFUSAL_SPEECH[reason]] };
}
