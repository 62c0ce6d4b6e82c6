/**
 * The names of the service's CloudWatch metrics (namespace `Imsms`, default dimension `service=imsms`), derived
 * from the log events in shared/adapters/metrics.ts. Kept free of imports so the CDK stack's dashboard and
 * alarms (infra/aws/parts/monitoring.ts) import the same names without the runtime.
 */
export const METRICS_NAMESPACE = 'Imsms';
export const METRICS_SERVICE = 'imsms';

export const Metric = {
  /** Messages accepted and judged, by `route` (im | sms) and `via` (where they came from: im | sms). */
  MessagesRouted: 'MessagesRouted',
  /** Messages that went (or go) by SMS instead of IM, by `reason`: offline, timeout, all_gone, push_failed. */
  Fallbacks: 'Fallbacks',
  /** IMs the recipient's client acknowledged in time. */
  ImDelivered: 'ImDelivered',
  /** Acks that came after the SMS leg had begun: the fallback was not needed. */
  FalseFallbacks: 'FalseFallbacks',
  /** SMS legs the provider took, by `encoding` (GSM-7 | UCS-2). */
  SmsSent: 'SmsSent',
  /** The segments of those SMS (the billed unit), by `encoding`. */
  SmsSegments: 'SmsSegments',
  /** Messages ended as failed: a total, and by `reason`. Alarmed on. */
  MessagesFailed: 'MessagesFailed',
  /** Provider reports of an SMS failed or undelivered: a total, and by `status`. Alarmed on. */
  SmsUndelivered: 'SmsUndelivered',
  /** Single provider send attempts that failed, by `retryable`. */
  SmsSendFailures: 'SmsSendFailures',
  /** STOP keywords received. */
  OptOuts: 'OptOuts',
  /** START keywords received. */
  OptIns: 'OptIns',
  /** Inbound SMS that reached nobody, by `reason`. */
  SmsNotRouted: 'SmsNotRouted',
  /** Requests refused by a rate limit, by `scope`. */
  RateLimited: 'RateLimited',
  /** Unexpected handler errors answered as 500 (the function itself did not throw). */
  HandlerFailures: 'HandlerFailures',
} as const;

export type MetricName = (typeof Metric)[keyof typeof Metric];
