import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { LogEvent, type LogEventName } from '../core/log-events';
import { Metric, METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from './metric-names';

export { Metric, METRICS_NAMESPACE, METRICS_SERVICE, type MetricName };

/** One data point: a metric of namespace `Imsms`, its value, and the dimensions beside `service`. */
export interface MetricPoint {
  name: MetricName;
  value: number;
  unit: 'Count';
  dimensions: Record<string, string>;
}

type Fields = Record<string, unknown>;

/**
 * A dimension value from a log field: ids never become dimensions, only low-cardinality words (a reason, an
 * encoding, a route), and anything else becomes `other`, so a dimension can never carry personal data.
 */
function word(value: unknown): string {
  const s = typeof value === 'boolean' ? String(value) : value;
  return typeof s === 'string' && /^[a-z][a-z0-9_.-]{0,39}$/i.test(s) ? s : 'other';
}

const count = (name: MetricName, dimensions: Record<string, string> = {}, value = 1): MetricPoint => ({
  name,
  value,
  unit: 'Count',
  dimensions,
});

/** The statuses of a message whose SMS leg had begun: an ack then means the fallback was not needed. */
const SMS_GONE = new Set(['sending_sms', 'sent_sms', 'delivered_sms']);

/**
 * The metrics each log event feeds, read from the event's own fields. Adding a metric is one line here (and its
 * name in metric-names.ts); the core only logs `LogEvent`s and knows nothing of metrics. Totals that alarms use
 * are emitted without a breakdown dimension, beside the per-reason series the dashboard shows.
 */
export const METRICS_FROM_EVENTS: Partial<Record<LogEventName, (f: Fields) => MetricPoint[]>> = {
  // A text from a phone is accepted `queued` and counted once its routing check judged it (MessageRouted).
  [LogEvent.MessageAccepted]: (f) =>
    f.route === 'queued'
      ? []
      : [
          count(Metric.MessagesRouted, { route: word(f.route), via: word(f.via) }),
          ...(f.route === 'sms' ? [count(Metric.Fallbacks, { reason: 'offline' })] : []),
        ],
  // A text from a phone judged for an offline recipient goes on by SMS: no IM leg fell back, so no Fallbacks
  // (a push of it that fails or times out is counted as any IM leg's, below).
  [LogEvent.MessageRouted]: (f) => [count(Metric.MessagesRouted, { route: word(f.route), via: 'sms' })],
  [LogEvent.MessagePushed]: (f) =>
    f.pushed === 0
      ? [count(Metric.Fallbacks, { reason: f.gone === f.devices ? 'all_gone' : 'push_failed' })]
      : [],
  [LogEvent.MessageAckTimeout]: () => [count(Metric.Fallbacks, { reason: 'timeout' })],
  [LogEvent.MessageDelivered]: () => [count(Metric.ImDelivered)],
  [LogEvent.MessageAckIgnored]: (f) =>
    typeof f.status === 'string' && SMS_GONE.has(f.status) ? [count(Metric.FalseFallbacks)] : [],
  [LogEvent.MessageSentSms]: (f) => [
    count(Metric.SmsSent, { encoding: word(f.encoding) }),
    count(
      Metric.SmsSegments,
      { encoding: word(f.encoding) },
      typeof f.segments === 'number' ? f.segments : 0,
    ),
  ],
  [LogEvent.MessageFailed]: (f) => [
    count(Metric.MessagesFailed),
    count(Metric.MessagesFailed, { reason: word(f.reason) }),
  ],
  [LogEvent.SmsStatus]: (f) =>
    f.status === 'failed' || f.status === 'undelivered'
      ? [count(Metric.SmsUndelivered), count(Metric.SmsUndelivered, { status: word(f.status) })]
      : [],
  [LogEvent.SmsSendFailed]: (f) => [count(Metric.SmsSendFailures, { retryable: word(f.retryable) })],
  [LogEvent.SmsKeyword]: (f) =>
    f.keyword === 'stop' ? [count(Metric.OptOuts)] : f.keyword === 'start' ? [count(Metric.OptIns)] : [],
  [LogEvent.SmsNotRouted]: (f) => [count(Metric.SmsNotRouted, { reason: word(f.reason) })],
  [LogEvent.AuthRateLimited]: (f) => [count(Metric.RateLimited, { scope: word(f.scope) })],
  [LogEvent.WsRateLimited]: (f) => [count(Metric.RateLimited, { scope: word(f.scope) })],
  [LogEvent.HandlerFailed]: () => [count(Metric.HandlerFailures)],
};

/** The metric points one log event feeds (none for most events). */
export function metricsOf(event: string, fields: Fields): MetricPoint[] {
  const derive = METRICS_FROM_EVENTS[event as LogEventName];
  return derive ? derive(fields) : [];
}

let metrics: Metrics | undefined;

/**
 * Writes the points as CloudWatch Embedded Metric Format lines through `write` (stdout in Lambda, where
 * CloudWatch Logs turns them into metrics with no API call), one line per dimension set, via Powertools Metrics.
 * Synchronous from add to clear, so concurrent invocations in the local runtime never mix their points.
 */
export function writeEmf(points: readonly MetricPoint[], write: (line: string) => void): void {
  metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  const groups = new Map<string, MetricPoint[]>();
  for (const p of points) {
    const key = JSON.stringify(Object.entries(p.dimensions).sort());
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  for (const group of groups.values()) {
    try {
      const dims = group[0].dimensions;
      if (Object.keys(dims).length > 0) metrics.addDimensions(dims);
      for (const p of group) metrics.addMetric(p.name, MetricUnit.Count, p.value);
      write(JSON.stringify(metrics.serializeMetrics()));
    } finally {
      metrics.clearMetrics();
      metrics.clearDimensions();
    }
  }
}
