import { randomBytes } from 'node:crypto';
import { messageIdFor } from '../../shared/core/ids';
import type { PathDriver, Sent } from './cell';
import type { BaselineClients, BenchUser, OnlineSet, Population } from './population';
import type { SenderSocket } from './ws-client';

export type PathKey = 'im-im' | 'im-sms' | 'sms-im' | 'sms-sms';
export const PATHS: { key: PathKey; label: string }[] = [
  { key: 'im-im', label: 'IM → IM' },
  { key: 'im-sms', label: 'IM → SMS' },
  { key: 'sms-im', label: 'SMS → IM' },
  { key: 'sms-sms', label: 'SMS → SMS' },
];

/** The benchmark's message: short, plain English (GSM-7, one segment with its prefix). */
export const TEXT = 'Running a little late, see you at the station at six?';

export interface PathContext {
  population: Population;
  online: OnlineSet;
  senders: SenderSocket[];
  /** The stack's base URL (sandbox and API). */
  base: string;
  serviceNumbers: string[];
  timeoutMs: number;
}

/**
 * The four paths, driven as outside clients drive them: IM senders over their WebSocket (timed to the
 * receipt that ends the path: `delivered` for IM, `sent_sms` for SMS), SMS senders through the sandbox's
 * phone API, which answers once the signed webhook has completed (by then an SMS to the recipient is in its
 * inbox; an IM recipient's frame is waited for separately).
 */
export function pathDriver(key: PathKey, ctx: PathContext): PathDriver {
  switch (key) {
    case 'im-im':
      return {
        pool: () => ctx.online.socketHolders(),
        send: async (slot, to, clientId) => {
          const sender = ctx.population.senders[slot];
          const frame = quiet(
            ctx.online.arrivals.wait(messageIdFor('im', sender.imNumber, clientId), ctx.timeoutMs),
          );
          // An ack later than ACK_TIMEOUT_MS would turn the message into a fallback: counted as an error.
          const doneAt = await imSend(ctx, slot, to, clientId, 'delivered', ['sent_sms', 'delivered_sms']);
          return { doneAt, frameAt: await frame };
        },
      };
    case 'im-sms':
      return {
        pool: () => ctx.online.offline(),
        send: async (slot, to, clientId) => ({
          doneAt: await imSend(ctx, slot, to, clientId, 'sent_sms', ['delivered']),
        }),
      };
    case 'sms-im':
      return {
        pool: () => ctx.online.socketHolders(),
        send: async (slot, to) => {
          const sid = newSid();
          const frame = quiet(ctx.online.arrivals.wait(messageIdFor('sms', sid), ctx.timeoutMs));
          const answeredAt = await smsSend(ctx, slot, to, sid);
          const frameAt = await frame;
          return { doneAt: Math.max(answeredAt, frameAt), frameAt };
        },
      };
    case 'sms-sms':
      return {
        pool: () => ctx.online.offline(),
        send: async (slot, to) => ({ doneAt: await smsSend(ctx, slot, to, newSid()) }),
      };
  }
}

function imSend(
  ctx: PathContext,
  slot: number,
  to: BenchUser,
  clientId: string,
  want: string,
  otherwise: string[],
): Promise<number> {
  const frame = { action: 'sendMessage', to: to.imNumber, text: TEXT, clientId };
  return ctx.senders[slot].sendAndWait(frame, want, otherwise, ctx.timeoutMs);
}

/** The sender slot's phone texts `@<imNumber> text` to its service number; resolves when the sandbox answers. */
async function smsSend(ctx: PathContext, slot: number, to: BenchUser, sid: string): Promise<number> {
  const body = {
    from: ctx.population.senders[slot].phone,
    to: ctx.serviceNumbers[slot % ctx.serviceNumbers.length],
    body: `@${to.imNumber} ${TEXT}`,
    messageSid: sid,
  };
  const res = await fetch(`${ctx.base}/sandbox/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ctx.timeoutMs),
  });
  const answer = (await res.json()) as { webhookStatus?: number | null };
  const at = performance.now();
  if (res.status !== 201 || answer.webhookStatus !== 200) {
    throw new Error(`sandbox ${res.status}, webhook ${String(answer.webhookStatus)}`);
  }
  return at;
}

/**
 * Marks a wait as handled up front: if the send fails first, nobody awaits the frame, and its later timeout
 * must not become an unhandled rejection. Awaiting the returned promise still sees the rejection.
 */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** A Twilio-shaped MessageSid chosen by the driver, so it knows the message id before the webhook runs. */
const newSid = () => `SM${randomBytes(16).toString('hex')}`;

/** The baseline: send on the sender's socket, done when the recipient's socket has the frame. */
export function baselineDriver(
  clients: BaselineClients,
  socketHolders: number[],
  timeoutMs: number,
): PathDriver {
  return {
    pool: () => socketHolders,
    send: async (slot, to, clientId): Promise<Sent> => {
      const frame = quiet(clients.arrivals.wait(clientId, timeoutMs));
      clients.senders[slot].send({ action: 'sendMessage', to: to.imNumber, text: TEXT, clientId });
      const frameAt = await frame;
      return { doneAt: frameAt, frameAt };
    },
  };
}
