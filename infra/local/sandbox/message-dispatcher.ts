import { newSid } from './ids';
import type { MessageStatus, MessageStore, StoredMessage } from './message-store';
import { countSegments } from './sms-segments';
import type { TaskTracker } from './task-tracker';
import type { SandboxLog } from './types';
import { describeFailure, type WebhookClient } from './webhook-client';

/** An outbound message from a service number to a phone, by REST or as a TwiML reply. */
export interface OutboundMessage {
  from: string;
  to: string;
  body: string;
  direction: 'outbound-api' | 'outbound-reply';
  statusCallback?: string;
  messagingServiceSid?: string;
}

export interface DispatcherDeps {
  accountSid: string;
  store: MessageStore;
  webhooks: WebhookClient;
  tracker: TaskTracker;
  statusDelayMs: number;
  log: SandboxLog;
}

// Twilio's code for a handset that is off or out of coverage.
const UNREACHABLE = { code: 30003, message: 'Unreachable destination handset' };

/**
 * Sends messages to simulated phones: the message lands in the recipient's inbox at once (unless the phone is
 * unreachable), then its status moves queued → sent → delivered (or undelivered), one step per delay, and
 * each step is reported to the StatusCallback in order.
 */
export class MessageDispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  /** Queues a message and returns it as stored, status 'queued'. */
  send(outbound: OutboundMessage): StoredMessage {
    const now = new Date();
    const message: StoredMessage = {
      sid: newSid('SM'),
      accountSid: this.deps.accountSid,
      from: outbound.from,
      to: outbound.to,
      body: outbound.body,
      direction: outbound.direction,
      status: 'queued',
      numSegments: countSegments(outbound.body),
      messagingServiceSid: outbound.messagingServiceSid,
      statusCallback: outbound.statusCallback,
      dateCreated: now,
      dateUpdated: now,
    };
    const reachable = this.deps.store.isReachable(message.to);
    this.deps.store.save(message);
    if (reachable) this.deps.store.deliver(message);
    this.deps.log('sandbox.message.queued', {
      sid: message.sid,
      direction: message.direction,
      segments: message.numSegments,
    });
    this.track(message, ['sent', reachable ? 'delivered' : 'undelivered']);
    return { ...message };
  }

  /**
   * Takes up the status steps a stop cut short, as Twilio's network goes on while the app is down: each message
   * still `queued` or `sent` moves on to its end (delivered when its phone's inbox got it, else undelivered),
   * one step per delay, each posted to its StatusCallback. Returns how many were taken up.
   */
  resume(): number {
    const unfinished = this.deps.store.unfinished();
    for (const message of unfinished) {
      const end: MessageStatus = this.deps.store.holds(message.to, message.sid) ? 'delivered' : 'undelivered';
      this.track(message, message.status === 'queued' ? ['sent', end] : [end]);
    }
    return unfinished.length;
  }

  private track(message: StoredMessage, steps: MessageStatus[]): void {
    this.deps.tracker
      .run(() => this.progress(message, steps))
      .catch((err: unknown) =>
        this.deps.log('sandbox.error', { sid: message.sid, error: describeFailure(err) }),
      );
  }

  private async progress(message: StoredMessage, steps: MessageStatus[]): Promise<void> {
    for (const status of steps) {
      if (!(await this.deps.tracker.sleep(this.deps.statusDelayMs))) return;
      this.advance(message, status);
      if (message.statusCallback !== undefined) await this.notify(message, message.statusCallback);
    }
  }

  private advance(message: StoredMessage, status: MessageStatus): void {
    const now = new Date();
    message.status = status;
    message.dateUpdated = now;
    if (status === 'sent') message.dateSent = now;
    if (status === 'undelivered') {
      message.errorCode = UNREACHABLE.code;
      message.errorMessage = UNREACHABLE.message;
    }
    this.deps.store.updated();
    this.deps.log('sandbox.message.status', { sid: message.sid, status });
  }

  /** Posts one status callback; a failing app is logged (Twilio's debugger would show it), not retried. */
  private async notify(message: StoredMessage, url: string): Promise<void> {
    try {
      const response = await this.deps.webhooks.send({ url, method: 'POST', params: statusParams(message) });
      this.deps.log('sandbox.status_callback', {
        sid: message.sid,
        status: message.status,
        http: response.status,
      });
    } catch (err) {
      this.deps.log('sandbox.status_callback', {
        sid: message.sid,
        status: message.status,
        error: describeFailure(err),
      });
    }
  }
}

function statusParams(message: StoredMessage): Record<string, string> {
  const params: Record<string, string> = {
    MessageSid: message.sid,
    MessageStatus: message.status,
    AccountSid: message.accountSid,
    From: message.from,
    To: message.to,
    SmsSid: message.sid,
    SmsStatus: message.status,
    ApiVersion: '2010-04-01',
  };
  if (message.messagingServiceSid !== undefined) params.MessagingServiceSid = message.messagingServiceSid;
  if (message.errorCode !== undefined) params.ErrorCode = String(message.errorCode);
  return params;
}
