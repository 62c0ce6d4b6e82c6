import type { ImEvent } from '../core/ports';
import type { Channel, MessageStatus, PresenceMode } from '../core/types';

/** The status a receipt carries: every message status but the internal `sending_sms`. */
export type ReceiptStatus = Exclude<MessageStatus, 'sending_sms'>;

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
      clientId?: string;
      id: string;
      status: ReceiptStatus;
      path: Channel[];
      reason?: string;
    }
  | { type: 'error'; code: string; message: string; clientId?: string }
  | { type: 'pong' }
  | { type: 'presence'; status: PresenceMode };

/**
 * Renders a core IM event as its wire frame. Key order is part of the byte-for-byte contract, so each frame is
 * built field by field; `sentAt` becomes ISO 8601.
 */
export function toServerFrame(event: ImEvent): ServerFrame {
  switch (event.kind) {
    case 'message': {
      const m = event.message;
      return {
        type: 'message',
        id: m.id,
        from: m.from,
        fromName: m.fromName,
        to: m.to,
        text: m.text,
        sentAt: new Date(m.sentAt).toISOString(),
        via: m.via,
      };
    }
    case 'receipt': {
      const m = event.message;
      return {
        type: 'receipt',
        clientId: m.clientId,
        id: m.id,
        status: m.status as ReceiptStatus,
        path: m.path,
        ...(m.reason ? { reason: m.reason } : {}),
      };
    }
    case 'presence':
      return { type: 'presence', status: event.mode };
    case 'error':
      return {
        type: 'error',
        code: event.code,
        message: event.message,
        ...(event.clientId ? { clientId: event.clientId } : {}),
      };
    case 'alive':
      return { type: 'pong' };
  }
}
