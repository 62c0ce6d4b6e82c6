/**
 * An SMS as a provider takes it. The core's SmsRequest carries a `reportRef` (the message id); the runtime turns
 * it into `statusCallbackUrl` (shared/runtime/sms-reports.ts), so URLs stay out of the core.
 */
export interface ProviderSms {
  from: string;
  to: string;
  body: string;
  /** Where the provider posts its delivery reports for this SMS (Twilio's StatusCallback). */
  statusCallbackUrl?: string;
  /**
   * Epoch ms: no create starts at or after it (an SmsSendError, retryable, not `unanswered`: nothing was sent),
   * and one still unanswered then is abandoned (core/delivery/sms-fence.ts). Providers that cannot be asked
   * whether they took an SMS (SNS) ignore it.
   */
  notAfter?: number;
}

/** A provider's send, as the adapters implement it (Twilio, SNS, the recording one). Throws SmsSendError. */
export interface SmsTransport {
  readonly name: string;
  send(sms: ProviderSms): Promise<{ sid: string }>;
  /**
   * Providers that can say whether they already took an SMS (Twilio: the Messages list): the sid of one with
   * this From, To and body created at or after `since` (epoch ms), or null. Throws when it cannot tell.
   */
  find?(sms: ProviderSms, since: number): Promise<{ sid: string } | null>;
}
