/**
 * What the IVR tells the voice server to do next, in the core's own words. The runtime renders each as TwiML
 * (shared/runtime/voice-twiml.ts); the core never sees a URL or an XML element.
 */
export type VoiceAnswer =
  /** Speak, then wait for the contact's imNumber keyed on the keypad (ending with #). `attempt` counts from 1. */
  | { kind: 'prompt'; say: string[]; prompt: string; attempt: number }
  /**
   * Speak, then ring `to` (E.164) showing `callerId` (a service number). `caller` and `callee` are imNumbers:
   * the whisper announces the caller to the callee, and the dial's end reports a missed call.
   */
  | { kind: 'connect'; say: string[]; to: string; callerId: string; caller: string; callee: string }
  /** Speak, then hang up. */
  | { kind: 'end'; say: string[] }
  /** Speak to the callee before the call is bridged (the whisper), then let the call through. */
  | { kind: 'announce'; say: string[] };

/** Why a call was refused, for logs and tests; each has its own spoken message ({@link SPOKEN}). */
export type CallRefusal =
  'unknown_caller' | 'not_contact' | 'no_phone' | 'opted_out' | 'service_number' | 'too_many_tries';

/** How many wrong entries (nothing keyed, or not an imNumber) a caller gets before the call ends. */
export const MAX_ATTEMPTS = 3;

/** Reads a number digit by digit ("1 2 3 4"), so a text-to-speech voice does not say "twelve million". */
export const spellDigits = (digits: string): string => [...digits].join(' ');

/** Every sentence a caller or callee hears. Plain ASCII, so any voice reads it. */
export const SPOKEN = {
  welcome: 'Welcome to IM SMS.',
  prompt: "Enter your contact's IM number, then press the pound key.",
  notAnImNumber: 'That is not an IM number.',
  unknownCaller:
    'Sorry, this phone is not registered with IM SMS. Sign up in the IM app with this phone first. Goodbye.',
  notContact: 'Sorry, that IM number is not one of your contacts. Goodbye.',
  noPhone: 'Sorry, that contact has no phone number to call. Goodbye.',
  optedOut: 'Sorry, that contact does not take calls or texts from this service. Goodbye.',
  serviceNumber: 'Sorry, that is a number of this service, not a contact. Goodbye.',
  tooManyTries: 'Too many wrong entries. Goodbye.',
  connecting: (name: string) => `Calling ${name}. Please hold.`,
  whisper: (name: string, imNumber: string) =>
    `Call from ${name}, IM number ${spellDigits(imNumber)}, through IM SMS.`,
  missed: (name: string) => `${name} did not answer. We will tell them you called. Goodbye.`,
} as const;

/** Why each refusal is refused, as the caller hears it. */
export const REFUSAL_SPEECH: Record<CallRefusal, string> = {
  unknown_caller: SPOKEN.unknownCaller,
  not_contact: SPOKEN.notContact,
  no_phone: SPOKEN.noPhone,
  opted_out: SPOKEN.optedOut,
  service_number: SPOKEN.serviceNumber,
  too_many_tries: SPOKEN.tooManyTries,
};

/**
 * The text of the missed-call note the callee gets, by IM or SMS like any message from the caller. It names no
 * one: the message is from the caller, so the IM client shows their name and the SMS body's header
 * (formatSmsBody: `Alice @11112222: Missed call`) already does; naming them again read "Alice @11112222: Missed
 * call from Alice (@11112222)".
 */
export const MISSED_CALL_TEXT = 'Missed call';
