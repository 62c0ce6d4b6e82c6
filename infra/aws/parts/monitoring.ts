import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import {
  Metric,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricName,
} from '../../../shared/adapters/metric-names';
import type { FunctionSpec } from '../../functions';
import type { Functions } from './functions';
import { pascal } from './naming';
import type { Queues } from './queues';

/** The namespace of the service's EMF metrics (shared/adapters/metric-names.ts). */
export { METRICS_NAMESPACE };

const PERIOD = Duration.minutes(5);

/**
 * The house alarm: fires when `metric` is ≥ 1 over one period (the metric carries its own period and
 * statistic), missing data counts as OK, and it notifies `topic` when there is one.
 */
export function addAlarm(
  scope: Construct,
  id: string,
  opts: { description: string; metric: cloudwatch.IMetric; topic?: sns.ITopic },
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: opts.description,
    metric: opts.metric,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (opts.topic) alarm.addAlarmAction(new cwActions.SnsAction(opts.topic));
  return alarm;
}

export interface MonitoringProps {
  readonly manifest: readonly FunctionSpec[];
  readonly functions: Functions;
  readonly queues: Queues;
  /** Where alarm notifications go (an SNS topic with an email subscription); none when unset. */
  readonly alarmEmail?: string;
}

/**
 * Alarms: each function's errors, each dead-letter queue, and SMS failures on the EMF metrics the runtime
 * derives from the core's log events (shared/adapters/metrics.ts); and the operations dashboard. Built in
 * `scope` itself: the alarm logical IDs stay as they were.
 */
export class Monitoring {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly alarmTopic?: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, props: MonitoringProps) {
    const { manifest, functions, queues, alarmEmail } = props;
    if (alarmEmail) {
      this.alarmTopic = new sns.Topic(scope, 'AlarmTopic', {
        displayName: `${Stack.of(scope).stackName} alarms`,
        enforceSSL: true,
      });
      // Not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS managed aws/sns key, and the
      // notifications carry alarm names only. (AwsSolutions v3 checks SNS3, publish over TLS: enforceSSL.)
      this.alarmTopic.addSubscription(new subs.EmailSubscription(alarmEmail));
    }
    const alarm = (id: string, description: string, metric: cloudwatch.IMetric) =>
      this.alarms.push(addAlarm(scope, id, { description, metric, topic: this.alarmTopic }));

    for (const spec of manifest) {
      alarm(
        `${pascal(spec.name)}Errors`,
        `${spec.name}: the function threw (or timed out) in the last 5 minutes`,
        functions.byName[spec.name].fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      );
    }
    for (const [name, { dlq }] of queues.byName) {
      alarm(
        `${pascal(name)}DlqNotEmpty`,
        `${name}: messages reached the dead-letter queue (each is an ack check that failed 5 times)`,
        dlq.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      );
    }

    // The service's own metrics come as CloudWatch EMF from the log events (shared/adapters/metrics.ts): no
    // metric filters. The alarms read the totals (dimension service only); the dashboard shows the breakdowns.
    alarm(
      'MessageFailedAlarm',
      'A message ended as failed (metric MessagesFailed: SMS provider error, opted out, country not allowed, unknown recipient)',
      serviceMetric(Metric.MessagesFailed),
    );
    alarm(
      'SmsUndeliveredAlarm',
      'Twilio reported an SMS as failed or undelivered (metric SmsUndelivered)',
      serviceMetric(Metric.SmsUndelivered),
    );
    this.dashboard = buildDashboard(scope, manifest, functions, this.alarms);
  }
}

/** A service metric with no breakdown dimension (5-minute sums): what the alarms read. */
export function serviceMetric(name: MetricName): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRICS_SERVICE },
    statistic: 'Sum',
    period: PERIOD,
  });
}

/** Every series of `name` broken down by `dimension` (a CloudWatch SEARCH, so new reasons show up by themselves). */
function breakdown(name: MetricName, dimensions: readonly string[], label: string): cloudwatch.IMetric {
  const schema = [METRICS_NAMESPACE, 'service', ...dimensions].join(',');
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${name}"', 'Sum', ${PERIOD.toSeconds()})`,
    label,
    usingMetrics: {},
    period: PERIOD,
  });
}

/**
 * The operator's dashboard: how messages are routed, how often and why they fall back to SMS (and how often
 * that was not needed), the SMS volume in segments by encoding, failures by reason, opt-outs and rate-limit
 * refusals, then each function's errors, duration and throttles, and every alarm's state.
 */
function buildDashboard(
  scope: Construct,
  manifest: readonly FunctionSpec[],
  functions: Functions,
  alarms: readonly cloudwatch.Alarm[],
): cloudwatch.Dashboard {
  const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
    new cloudwatch.GraphWidget({ title, left, width, height: 6, stacked: false });
  const fns = manifest.map((s) => functions.byName[s.name].fn);
  const perFunction = (title: string, metric: (fn: (typeof fns)[number]) => cloudwatch.IMetric) =>
    graph(title, fns.map(metric), 8);
  return new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: `${Stack.of(scope).stackName}-operations`,
    defaultInterval: Duration.days(1),
    widgets: [
      [
        graph('Messages routed (route, via)', [breakdown(Metric.MessagesRouted, ['route', 'via'], 'routed')]),
        graph('IM delivered, fallbacks by reason, false fallbacks', [
          serviceMetric(Metric.ImDelivered).with({ label: 'IM delivered' }),
          breakdown(Metric.Fallbacks, ['reason'], 'fallback'),
          serviceMetric(Metric.FalseFallbacks).with({ label: 'false fallbacks (ack after the SMS went)' }),
        ]),
        graph('SMS sent and segments, by encoding', [
          breakdown(Metric.SmsSent, ['encoding'], 'sent'),
          breakdown(Metric.SmsSegments, ['encoding'], 'segments'),
        ]),
      ],
      [
        graph('Failures by reason', [
          breakdown(Metric.MessagesFailed, ['reason'], 'failed'),
          breakdown(Metric.SmsUndelivered, ['status'], 'undelivered'),
          breakdown(Metric.SmsSendFailures, ['retryable'], 'send attempt failed'),
        ]),
        graph('Opt-outs, opt-ins, inbound SMS not routed', [
          serviceMetric(Metric.OptOuts).with({ label: 'STOP' }),
          serviceMetric(Metric.OptIns).with({ label: 'START' }),
          breakdown(Metric.SmsNotRouted, ['reason'], 'not routed'),
        ]),
        graph('Rate-limit refusals, handler failures', [
          breakdown(Metric.RateLimited, ['scope'], 'rate limited'),
          serviceMetric(Metric.HandlerFailures).with({ label: 'handler failures (500)' }),
        ]),
      ],
      [
        perFunction('Lambda errors', (fn) => fn.metricErrors({ period: PERIOD, statistic: 'Sum' })),
        perFunction('Lambda duration p99', (fn) => fn.metricDuration({ period: PERIOD, statistic: 'p99' })),
        perFunction('Lambda throttles', (fn) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum' })),
      ],
      [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24, height: 4 })],
    ],
  });
}
