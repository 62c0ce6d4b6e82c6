import { randomBytes } from 'node:crypto';
import type { ProviderSms, SmsTransport } from './sms-transport';

export interface RecordedSms extends ProviderSms {
  sid: string;
  at: number;
}

/**
 * An in-memory SMS provider that keeps what was sent, per phone. It is a real adapter of the port (used by the
 * integration tests and anywhere no network should be touched), not a mock: it assigns sids like Twilio.
 */
export class RecordingSmsProvider implements SmsTransport {
  readonly name = 'recording';
  readonly sent: RecordedSms[] = [];
  /** Set to make the next sends fail, e.g. to exercise retries. */
  failNext: Error[] = [];

  async send(request: ProviderSms): Promise<{ sid: string }> {
    const failure = this.failNext.shift();
    if (failure) throw failure;
    const sid = `SM${randomBytes(16).toString('hex')}`;
    this.sent.push({ ...request, sid, at: Date.now() });
    return { sid };
  }

  /** The newest SMS recorded with this From, To and body at or after `since` (epoch ms), or null. */
  async find(request: ProviderSms, since: number): Promise<{ sid: string } | null> {
    const found = this.sent
      .filter(
        (m) => m.from === request.from && m.to === request.to && m.body === request.body && m.at >= since,
      )
      .pop();
    return found ? { sid: found.sid } : null;
  }

  inbox(phone: string): RecordedSms[] {
    return this.sent.filter((m) => m.to === phone);
  }
}
