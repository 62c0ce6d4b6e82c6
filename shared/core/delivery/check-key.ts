import type { Channel } from '../types';

/**
 * What a delivery check is keyed by, through the durable timer (`AckScheduler.schedule`: the SQS body's
 * `messageId` on AWS, the local timer's row). The timer carries the key as an opaque string; two kinds exist:
 *
 * - a message id (`m` + base64url, ids.ts): the delivery check every message has. It reads the message and does
 *   what its status calls for (delivery/ack-timeout.ts).
 * - a route check, `route:<channel>:<waitMs>:<tries>:<messageId>`: the check that routes a text from a phone
 *   stored as `routing` (im-sms/inbound-route.ts). It knows the channel the webhook judged, and for IM the ack wait
 *   it chose (ms; 0 for SMS), so it sets the ack check and claims the message with a conditional write that
 *   returns the row (`ALL_NEW`), reading nothing first; `tries` counts the times it found no row yet and set
 *   itself again. Message ids never hold a `:`, so the two cannot be confused.
 */
export type CheckKey = { kind: 'message'; messageId: string } | RouteCheck;

/**
 * A route check: routes the stored text `messageId` on `channel`, its `tries`-th time (0 the first); `waitMs` is
 * the ack wait the webhook chose for an IM push (ms, whole; 0 for SMS).
 */
export interface RouteCheck {
  kind: 'route';
  messageId: string;
  channel: Channel;
  waitMs: number;
  tries: number;
}

/** The timer key of a route check (`waitMs` is rounded up to a whole ms). */
export function routeCheckKey(messageId: string, channel: Channel, waitMs: number, tries = 0): string {
  return `route:${channel}:${Math.max(0, Math.ceil(waitMs))}:${tries}:${messageId}`;
}

const ROUTE_KEY = /^route:(im|sms):(\d{1,9}):(\d{1,3}):(.+)$/;

/** Reads a timer key: a route check's, or else a message id (any other string, as every key was before). */
export function parseCheckKey(key: string): CheckKey {
  const route = ROUTE_KEY.exec(key);
  if (!route) return { kind: 'message', messageId: key };
  return {
    kind: 'route',
    channel: route[1] as Channel,
    waitMs: Number(route[2]),
    tries: Number(route[3]),
    messageId: route[4],
  };
}

/** The message a timer key is about (for logs and correlation ids). */
export function checkedMessageId(key: string): string {
  return parseCheckKey(key).messageId;
}
