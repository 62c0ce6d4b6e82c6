/** Domain types of the user data server (the patent's UDS): users, their presence, and messages. */

/** Manual presence: `offline` is the patent's offline mode, chosen by hand (messages then go by SMS). */
export type PresenceMode = 'online' | 'offline';

/** Which service number a phone's thread with one contact uses, and when it was last bound. */
export interface ThreadBinding {
  peer: string;
  at: number;
}

/** A user's profile row, which also holds the state of the user's phone (opt-out, SMS threads). */
export interface UserProfile {
  imNumber: string;
  name: string;
  phone: string;
  mode: PresenceMode;
  optedOut: boolean;
  /** Service number → the contact that phone's thread on it belongs to (sticky last peer). */
  threads: Record<string, ThreadBinding>;
  /**
   * Service numbers the provider refuses to text this phone from: the phone texted an opt-out word (STOP) to that
   * number, and Twilio's own opt-out handling blocks that pair (error 21610) until the phone texts START, YES or
   * UNSTOP to that same number (im-sms/provider-opt-out.ts). No SMS is sent from them; absent: none.
   */
  blockedNumbers?: string[];
  createdAt: number;
  /** A short mood phrase the user shows their contacts (at most MAX_MOOD_CHARS code points). */
  mood?: string;
  /** An https URL of the user's picture. */
  avatarUrl?: string;
  /** Bumped on every change of the user's contact list, so a client can skip an unchanged list. */
  contactsVersion?: number;
  /** How many contacts the list holds (against MAX_CONTACTS). */
  contactsCount?: number;
}

/** One entry of a user's contact list: an IM user (by imNumber) or a non-IM contact (a phone and a name). */
export type Contact =
  | { kind: 'im'; imNumber: string; name: string; addedAt: number }
  | { kind: 'phone'; phone: string; name: string; addedAt: number };

/** Which contact: by imNumber or by phone (E.164). */
export type ContactRef = { imNumber: string } | { phone: string };

/**
 * What a connection has shown, for its ack wait (shared/core/delivery/ack-wait.ts): its ack round trips as
 * RFC 6298's smoothed estimate (ms), how many, and when it was last heard from (epoch ms; absent: at connect).
 */
export interface LinkStats {
  srtt?: number;
  rttvar?: number;
  samples?: number;
  seenAt?: number;
}

export interface Connection extends LinkStats {
  connectionId: string;
  connectedAt: number;
  /** Epoch ms after which the connection no longer counts, even if $disconnect never came. */
  expiresAt: number;
}

/** One read answers "who and where": the recipient's profile and live connections. */
export interface Recipient {
  profile: UserProfile;
  connections: Connection[];
}

export type Channel = 'im' | 'sms';

/**
 * Message status as the sender sees it. Two are internal: `routing` (a text from a phone, stored, its routing
 * handed to its delivery check: im-sms/inbound-route.ts) and `sending_sms` (the SMS send is claimed but not
 * confirmed). Receipts carry the others; both internal ones read `accepted`.
 */
export type MessageStatus =
  'routing' | 'accepted' | 'delivered' | 'sending_sms' | 'sent_sms' | 'delivered_sms' | 'failed';

export type ReceiptStatus = Exclude<MessageStatus, 'sending_sms' | 'routing'>;

export interface SmsLeg {
  /** The service number it was sent from. */
  from: string;
  sid?: string;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
}

export interface MessageRecord {
  id: string;
  from: string;
  fromName: string;
  to: string;
  text: string;
  /** How the sender sent it. */
  via: Channel;
  /** The channels delivery used, in order: ['im'], ['sms'], or ['im', 'sms'] for a fallback. */
  path: Channel[];
  status: MessageStatus;
  reason?: string;
  clientId?: string;
  /** The sender's connection, for receipts. Absent when the sender texted. */
  originConnectionId?: string;
  /** The provider's id of the inbound SMS this message came from. */
  inboundSid?: string;
  sms?: SmsLeg;
  /**
   * How many times a send interrupted by a crash (or left with an unknown outcome) was tried again: resumes that
   * got past the provider lookup. A resume whose lookup failed sent nothing and counts in `failedLookups`.
   */
  resends?: number;
  /** Resumes that sent nothing because the provider could not be asked whether an earlier try was taken. */
  failedLookups?: number;
  /** The ack wait chosen for it (ms; IM only). */
  ackWaitMs?: number;
  /**
   * IM only: what each connection it was pushed to had shown when it was sent, by connectionId, so the ack that
   * comes back can update that connection's stats without reading its row.
   */
  links?: Record<string, LinkStats & { connectedAt: number }>;
  /**
   * A text from a phone, stored as `routing`: the channel its webhook judged on the recipient read it made anyway
   * (with `ackWaitMs` and `links` when IM), so the check that routes it reads the recipient no more. Absent on rows
   * stored before the webhook judged: those are judged when routed.
   */
  judged?: Channel;
  sentAt: number;
  updatedAt: number;
}

/** A contact as its owner sees it: an IM contact's live profile fields and presence, never its phone. */
export type ContactView =
  | {
      kind: 'im';
      imNumber: string;
      name: string;
      mood?: string;
      avatarUrl?: string;
      status: PresenceMode;
    }
  | { kind: 'phone'; phone: string; name: string };
