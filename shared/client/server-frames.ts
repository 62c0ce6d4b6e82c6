import * as z from 'zod/mini';

/**
 * The zod schemas of every frame the server pushes (docs/protocol.md, "Server → client"), for clients to parse
 * what they receive. The server builds these frames as the `ServerFrame` type of shared/adapters/ws-frames.ts;
 * test/unit/client/server-frames.test.ts proves, at compile time, that the two describe the same frames, so one
 * cannot drift from the other. An unknown extra field is dropped, not refused, and a frame of an unknown type is
 * passed on as such: what a newer server adds must not break an older client.
 */

const channel = z.enum(['im', 'sms']);
const presenceMode = z.enum(['online', 'offline']);
/** A receipt's status: every message status but the server-internal `sending_sms`. */
const receiptStatus = z.enum(['accepted', 'delivered', 'sent_sms', 'delivered_sms', 'failed']);

/** A contact on the wire: an IM contact (with presence, never its phone) or a non-IM contact. */
export const contactSchema = z.union([
  z.object({
    imNumber: z.string(),
    name: z.string(),
    mood: z.optional(z.string()),
    avatarUrl: z.optional(z.string()),
    status: presenceMode,
  }),
  z.object({ phone: z.string(), name: z.string() }),
]);

const messageFields = {
  id: z.string(),
  from: z.string(),
  fromName: z.string(),
  to: z.string(),
  text: z.string(),
  /** ISO 8601. */
  sentAt: z.string(),
  via: channel,
};

/** A message as `history` lists it: the `message` frame's fields, and where delivery stands. */
export const historyEntrySchema = z.object({
  ...messageFields,
  path: z.array(channel),
  status: receiptStatus,
  reason: z.optional(z.string()),
});

export const messageFrameSchema = z.object({ type: z.literal('message'), ...messageFields });
export const receiptFrameSchema = z.object({
  type: z.literal('receipt'),
  /** The sendMessage's clientId: every receipt carries it (only a client's send asks for receipts). */
  clientId: z.string().register(z.globalRegistry, {
    description: 'The clientId of the sendMessage this receipt reports on; every receipt carries it.',
  }),
  id: z.string(),
  status: receiptStatus,
  path: z.array(channel),
  reason: z.optional(z.string()),
  /** `accepted` of a message pushed to an online recipient: ms after acceptance the SMS fallback goes, unacked. */
  fallbackAfterMs: z.optional(z.number()),
});
/**
 * An error. It names the frame it answers when that frame has a key: `clientId` for a sendMessage, `id` (added)
 * for an ack, whose answers are not in order with the others'; an error with neither answers a request/answer
 * frame, in order. `retryAfterMs` (added), on `rate_limited`: ms until frames are served again.
 */
export const errorFrameSchema = z.object({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
  clientId: z.optional(
    z.string().register(z.globalRegistry, { description: 'The clientId of the sendMessage this answers.' }),
  ),
  id: z.optional(
    z.string().register(z.globalRegistry, {
      description:
        'The id of the ack this answers (an ack runs in a lane of its own, so its answer may come after the ' +
        'answer to a frame sent later). An error with neither clientId nor id answers a request/answer frame, ' +
        'in order.',
    }),
  ),
  retryAfterMs: z.optional(
    z.number().register(z.globalRegistry, {
      description: 'rate_limited: milliseconds (whole seconds) until frames are served again.',
    }),
  ),
});
export const pongFrameSchema = z.object({ type: z.literal('pong') });
/** The caller's own mode, answering `setPresence`. */
export const ownPresenceFrameSchema = z.object({ type: z.literal('presence'), status: presenceMode });
/** A contact's status changed. */
export const contactPresenceFrameSchema = z.object({
  type: z.literal('presence'),
  imNumber: z.string(),
  status: presenceMode,
});
export const contactsFrameSchema = z.object({
  type: z.literal('contacts'),
  version: z.number(),
  contacts: z.optional(z.array(contactSchema)),
  /** Set when more contacts follow this page: pass it back as `cursor` (added with paging). */
  nextCursor: z.optional(z.string()),
  unchanged: z.optional(z.literal(true)),
});
export const contactFrameSchema = z.object({
  type: z.literal('contact'),
  op: z.enum(['added', 'removed']),
  version: z.number(),
  contact: contactSchema,
});
export const profileFrameSchema = z.object({
  type: z.literal('profile'),
  imNumber: z.string(),
  name: z.string(),
  mood: z.optional(z.string()),
  avatarUrl: z.optional(z.string()),
});
export const historyFrameSchema = z.object({
  type: z.literal('history'),
  with: z.string(),
  messages: z.array(historyEntrySchema),
  next: z.optional(z.string()),
});
export const invitationFrameSchema = z.object({
  type: z.literal('invitation'),
  phone: z.string(),
  name: z.string(),
  /**
   * `cancelled` is never sent: the inviter is not told when the invitee texts STOP or CANCEL, nor of their own
   * withdrawal. It stays in the schema so that clients written against it keep compiling (docs/protocol.md).
   */
  status: z.enum(['pending', 'accepted', 'declined', 'expired', 'cancelled']).register(z.globalRegistry, {
    description:
      'pending (the answer to invite), then accepted (with imNumber), declined or expired. cancelled is never ' +
      'sent: the inviter is not told when the invitee texts STOP or CANCEL, nor of their own withdrawal ' +
      '(removeContact); kept so that clients written against it keep working. See docs/protocol.md.',
  }),
  /** ISO 8601. */
  expiresAt: z.string(),
  imNumber: z.optional(z.string()),
});

/** `call` (added): someone is calling this user's phone through the IVR (docs/ivr.md). */
export const callFrameSchema = z.object({
  type: z.literal('call'),
  from: z.string(),
  fromName: z.string(),
});

/** The schema of each frame type; `presence` has two shapes (the caller's own mode, or a contact's). */
export const serverFrameSchemas = {
  message: messageFrameSchema,
  receipt: receiptFrameSchema,
  error: errorFrameSchema,
  pong: pongFrameSchema,
  presence: z.union([contactPresenceFrameSchema, ownPresenceFrameSchema]),
  contacts: contactsFrameSchema,
  contact: contactFrameSchema,
  profile: profileFrameSchema,
  history: historyFrameSchema,
  invitation: invitationFrameSchema,
  call: callFrameSchema,
} as const;

/** Every frame the server sends. */
export const serverFrameSchema = z.union(Object.values(serverFrameSchemas));

export type MessageFrame = z.infer<typeof messageFrameSchema>;
export type ReceiptFrame = z.infer<typeof receiptFrameSchema>;
export type ErrorFrame = z.infer<typeof errorFrameSchema>;
export type PongFrame = z.infer<typeof pongFrameSchema>;
export type OwnPresenceFrame = z.infer<typeof ownPresenceFrameSchema>;
export type ContactPresenceFrame = z.infer<typeof contactPresenceFrameSchema>;
export type PresenceFrame = OwnPresenceFrame | ContactPresenceFrame;
export type ContactsFrame = z.infer<typeof contactsFrameSchema>;
export type ContactFrame = z.infer<typeof contactFrameSchema>;
export type ProfileFrame = z.infer<typeof profileFrameSchema>;
export type HistoryFrame = z.infer<typeof historyFrameSchema>;
export type InvitationFrame = z.infer<typeof invitationFrameSchema>;
export type CallFrame = z.infer<typeof callFrameSchema>;
export type Contact = z.infer<typeof contactSchema>;
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
/** Any frame the server sends, by its `type`. */
export type ServerFrame =
  | MessageFrame
  | ReceiptFrame
  | ErrorFrame
  | PongFrame
  | PresenceFrame
  | ContactsFrame
  | ContactFrame
  | ProfileFrame
  | HistoryFrame
  | InvitationFrame
  | CallFrame;
export type ServerFrameType = keyof typeof serverFrameSchemas;

/** What `parseServerFrame` makes of one WebSocket text message. */
export type ParsedServerFrame =
  /** A frame this client knows, checked against its schema. */
  | { kind: 'frame'; frame: ServerFrame }
  /** A JSON object with a `type` this client does not know (a newer server): pass it on, do not fail. */
  | { kind: 'unknown'; frame: { type: string } & Record<string, unknown> }
  /** Not JSON, not an object with a string `type`, or a known type with a wrong shape; `error` says why. */
  | { kind: 'invalid'; raw: string; error: string };

/**
 * Parses one text message from the server. Never throws: bad input comes back as `{kind:'invalid'}`. A known
 * frame type is checked against its schema; an unknown one is passed on as `{kind:'unknown'}`, so an older
 * client keeps working when the server adds a frame.
 */
export function parseServerFrame(raw: string): ParsedServerFrame {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'invalid', raw, error: 'not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { kind: 'invalid', raw, error: 'not a JSON object' };
  }
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string') return { kind: 'invalid', raw, error: 'no string `type`' };
  if (!Object.hasOwn(serverFrameSchemas, type)) {
    return { kind: 'unknown', frame: json as { type: string } & Record<string, unknown> };
  }
  const parsed = serverFrameSchemas[type as ServerFrameType].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    return { kind: 'invalid', raw, error: `${type} frame: ${where}${issue.message}` };
  }
  return { kind: 'frame', frame: parsed.data as ServerFrame };
}
