import type { ImEvent } from '../core/ports';
import type { Channel, ContactView, MessageRecord, MessageStatus, PresenceMode } from '../core/types';

/** A contact on the wire: an IM contact (no phone) or a non-IM contact. */
export type ContactFrame =
  | { imNumber: string; name: string; mood?: string; avatarUrl?: string; status: PresenceMode }
  | { phone: string; name: string };

/** A message as history shows it. */
export interface HistoryEntry {
  id: string;
  from: string;
  fromName: string;
  to: string;
  text: string;
  sentAt: string;
  via: Channel;
  path: Channel[];
  status: ReceiptStatus;
  reason?: string;
}

const contactFrame = (c: ContactView): ContactFrame =>
  c.kind === 'im'
    ? {
        imNumber: c.imNumber,
        name: c.name,
        ...(c.mood ? { mood: c.mood } : {}),
        ...(c.avatarUrl ? { avatarUrl: c.avatarUrl } : {}),
        status: c.status,
      }
    : { phone: c.phone, name: c.name };

/** A message's fields as both the `message` frame and a history entry carry them, in wire order. */
const messageFields = (m: MessageRecord) => ({
  id: m.id,
  from: m.from,
  fromName: m.fromName,
  to: m.to,
  text: m.text,
  sentAt: new Date(m.sentAt).toISOString(),
  via: m.via,
});

const historyEntry = (m: MessageRecord): HistoryEntry => ({
  ...messageFields(m),
  path: m.path,
  // sending_sms and routing are internal: on the wire they are still `accepted`.
  status: (m.status === 'sending_sms' || m.status === 'routing' ? 'accepted' : m.status) as ReceiptStatus,
  ...(m.reason ? { reason: m.reason } : {}),
});

/** The status a receipt carries: every message status but the internal `sending_sms` and `routing`. */
export type ReceiptStatus = Exclude<MessageStatus, 'sending_sms' | 'routing'>;

/** Frames the server pushes to WebSocket clients, exactly as docs/protocol.md spells them. */
export type ServerFrame =
  | {
      type: 'message';
      id: string;
      from: string;
      fromName: string;
      to: string;
      text: string;
      sentAt: string;
      via: Channel;
    }
  | {
      type: 'receipt';
      /** The sendMessage's clientId: on every receipt (only a client's send asks for receipts). */
      clientId: string;
      id: string;
      status: ReceiptStatus;
      path: Channel[];
      reason?: string;
      /**
       * `accepted` of a message pushed to an online recipient only: the wait the server planned for its ack,
       * ms from when it accepted the message, after which the SMS fallback goes (docs/protocol.md).
       */
      fallbackAfterMs?: number;
    }
  | {
      type: 'error';
      code: string;
      message: string;
      /** The clientId of the sendMessage this error answers. */
      clientId?: string;
      /** The `id` of the ack this error answers (added): an ack's answer may overtake others (protocol.md). */
      id?: string;
      /** `rate_limited` (added): ms until the frame limits' window ends and frames are served again. */
      retryAfterMs?: number;
    }
  | { type: 'pong' }
  | { type: 'presence'; status: PresenceMode }
  | { type: 'presence'; imNumber: string; status: PresenceMode }
  | { type: 'contacts'; version: number; contacts?: ContactFrame[]; nextCursor?: string; unchanged?: true }
  | { type: 'contact'; op: 'added' | 'removed'; version: number; contact: ContactFrame }
  | { type: 'profile'; imNumber: string; name: string; mood?: string; avatarUrl?: string }
  | { type: 'history'; with: string; messages: HistoryEntry[]; next?: string }
  | {
      type: 'invitation';
      phone: string;
      name: string;
      status: 'pending' | 'accepted' | 'declined' | 'expired' | 'cancelled';
      expiresAt: string;
      imNumber?: string;
    }
  | { type: 'call'; from: string; fromName: string };

/**
 * Renders a core IM event as its wire frame. Key order is part of the byte-for-byte contract, so each frame is
 * built field by field; `sentAt` becomes ISO 8601.
 */
export function toServerFrame(event: ImEvent): ServerFrame {
  switch (event.kind) {
    case 'message':
      return { type: 'message', ...messageFields(event.message) };
    case 'receipt': {
      const m = event.message;
      return {
        type: 'receipt',
        clientId: m.clientId,
        id: m.id,
        status: m.status as ReceiptStatus,
        path: m.path,
        ...(m.reason ? { reason: m.reason } : {}),
        // The learned ack wait (shared/core/delivery/ack-wait.ts) of a message waiting for its ack, so a client
        // can say when the SMS fallback would go; never on an SMS-only message, nor once the message moved on.
        ...(m.status === 'accepted' &&
        m.path.length === 1 &&
        m.path[0] === 'im' &&
        typeof m.ackWaitMs === 'number'
          ? { fallbackAfterMs: m.ackWaitMs }
          : {}),
      };
    }
    case 'presence':
      return event.imNumber
        ? { type: 'presence', imNumber: event.imNumber, status: event.mode }
        : { type: 'presence', status: event.mode };
    case 'contacts':
      return event.contacts
        ? {
            type: 'contacts',
            version: event.version,
            contacts: event.contacts.map(contactFrame),
            ...(event.next ? { nextCursor: event.next } : {}),
          }
        : { type: 'contacts', version: event.version, unchanged: true };
    case 'contact':
      return { type: 'contact', op: event.op, version: event.version, contact: contactFrame(event.contact) };
    case 'profile': {
      const p = event.profile;
      return {
        type: 'profile',
        imNumber: p.imNumber,
        name: p.name,
        ...(p.mood ? { mood: p.mood } : {}),
        ...(p.avatarUrl ? { avatarUrl: p.avatarUrl } : {}),
      };
    }
    case 'invitation': {
      const i = event.invitation;
      return {
        type: 'invitation',
        phone: i.phone,
        name: i.name,
        status: i.status,
        expiresAt: new Date(i.expiresAt).toISOString(),
        ...(i.invitee ? { imNumber: i.invitee } : {}),
      };
    }
    case 'history':
      return {
        type: 'history',
        with: event.with,
        messages: event.messages.map(historyEntry),
        ...(event.next ? { next: event.next } : {}),
      };
    case 'error':
      return {
        type: 'error',
        code: event.code,
        message: event.message,
        ...(event.clientId ? { clientId: event.clientId } : {}),
        ...(event.id ? { id: event.id } : {}),
        ...(event.retryAfterMs !== undefined ? { retryAfterMs: event.retryAfterMs } : {}),
      };
    case 'call':
      return { type: 'call', from: event.from, fromName: event.fromName };
    case 'alive':
      return { type: 'pong' };
  }
}
