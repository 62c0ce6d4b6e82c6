import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { LogEvent } from '../../../shared/core/log-events';
import type { FunctionSpec } from '../../functions';
import type { HouseFunction } from '../constructs/house-function';
import type { Functions } from './functions';
import { pascal } from './naming';
import type { Queues } from './queues';

/** The custom metrics the log metric filters publish. */
export const METRICS_NAMESPACE = 'Imsms';

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
 * Alarms: each function's errors, each dead-letter queue, and SMS failures counted by metric filters on the
 * JSON log lines (shared/adapters/logger.ts writes {"event": …}; the event names are `LogEvent`, the list the
 * core logs with). Built in `scope` itself: the alarm logical IDs stay as they were.
 */
export class Monitoring {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly alarmTopic?: sns.Topic;

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

    // Filters go on the log groups of the functions that can fail a message: those that send SMS or take
    // Twilio's callbacks.
    const failing = manifest
      .filter((s) => s.needs.sendsSms || s.needs.twilioWebhook)
      .map((s) => functions.byName[s.name]);
    alarm(
      'MessageFailedAlarm',
      'A message ended as failed (log event message.failed: SMS provider error, opted out, country not allowed, unknown recipient)',
      countEvents(
        failing,
        'MessageFailed',
        logs.FilterPattern.stringValue('$.event', '=', LogEvent.MessageFailed),
      ),
    );
    alarm(
      'SmsUndeliveredAlarm',
      'Twilio reported an SMS as failed or undelivered (log event message.sms_status)',
      countEvents(
        failing,
        'SmsUndelivered',
        logs.FilterPattern.all(
          logs.FilterPattern.stringValue('$.event', '=', LogEvent.SmsStatus),
          logs.FilterPattern.any(
            logs.FilterPattern.stringValue('$.status', '=', 'failed'),
            logs.FilterPattern.stringValue('$.status', '=', 'undelivered'),
          ),
        ),
      ),
    );
  }
}

/**
 * A metric filter named `metricName` on each function's log group that counts 1 per matching line into
 * `Imsms/<metricName>`; returns that metric (5-minute sums) for an alarm.
 */
function countEvents(
  fns: readonly HouseFunction[],
  metricName: string,
  filterPattern: logs.IFilterPattern,
): cloudwatch.Metric {
  for (const hf of fns) {
    hf.logGroup.addMetricFilter(metricName, {
      filterPattern,
      metricNamespace: METRICS_NAMESPACE,
      metricName,
      metricValue: '1',
    });
  }
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    statistic: 'Sum',
    period: PERIOD,
  });
}
