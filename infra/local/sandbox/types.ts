/** Receives the sandbox's events. Fields hold ids and outcomes, never phone numbers or message bodies. */
export type SandboxLog = (event: string, fields: Record<string, unknown>) => void;

/** How the sandbox is set up. */
export interface SandboxOptions {
  /** The one account the sandbox serves, e.g. 'AC' + 32 hex. Requests for another SID get Twilio's 404. */
  accountSid: string;
  /** Checks REST credentials and signs every webhook, as Twilio does with the account's auth token. */
  authToken: string;
  /** The E.164 numbers the sandbox "owns": messages may be sent from them, phones text and call them. */
  serviceNumbers: string[];
  /** The base URL signatures are computed over, e.g. http://localhost:3000. */
  publicUrl: string;
  /** The base URL webhooks are actually POSTed to, e.g. http://127.0.0.1:3000. */
  deliverTo: string;
  /** Event sink; ids and outcomes only. */
  log?: SandboxLog;
  /**
   * Folder where phones' inboxes, messages, calls and the service numbers' webhook settings are kept across
   * restarts (`messages.json`, `calls.json`, `numbers.json`); the local stack passes `<DATA_DIR>/sandbox`.
   * Absent: memory only.
   */
  dataDir?: string;
  /** Delay before each status step queued → sent → delivered; default 50 ms, tests may set 0. */
  statusDelayMs?: number;
}

/** A message as one phone's inbox shows it. */
export interface InboxMessage {
  sid: string;
  from: string;
  to: string;
  body: string;
  /** ISO 8601. */
  sentAt: string;
}

/** A call's status, with Twilio's names. */
export type CallStatus = 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed';

/** What `GET /sandbox/calls/<sid>` and the other call endpoints return. */
export interface CallState {
  sid: string;
  from: string;
  to: string;
  status: CallStatus;
  /** Each `<Say>` text in order; `<Play>` adds "[play]". */
  said: string[];
  /**
   * The last `<Dial>`: the number dialled and the caller ID shown to it; how the dialled leg ended (Twilio's
   * DialCallStatus); what its `<Number url>` document said to the callee before the bridge (the whisper, each
   * `<Say>` text; only when the number answered), and that document's error when it failed.
   */
  dialed?: DialedLeg;
  /** Set when the app's TwiML could not be fetched or parsed, with Twilio's error code. */
  error?: { code: number; message: string };
}

/** The dialled leg of a call, as `CallState.dialed` shows it. */
export interface DialedLeg {
  to: string;
  callerId: string;
  status?: 'completed' | 'no-answer' | 'busy' | 'failed';
  whisper?: string[];
  whisperError?: { code: number; message: string };
}
