import { LogEvent } from '../../shared/core/log-events';
import {
  ArnFormat,
  Aws,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type CfnElement,
  type StackProps,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TABLE_KEYS } from '../../shared/adapters/dynamo-table';
import { functions as defaultManifest, type FunctionSpec } from '../functions';
import { HouseFunction } from './constructs/house-function';
import { acknowledge } from './nag';
import type { Settings } from './settings';

/**
 * Exactly the DynamoDB actions shared/adapters/dynamo-store.ts issues (Get/Put/Update/Delete/Query), on the
 * table ARN only. No Scan, no batch or transaction calls, no index ARNs (the table has no index).
 */
export const TABLE_ACTIONS = {
  readwrite: [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
  ],
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  none: [],
} as const;

/**
 * The @connections methods the functions call: ApiGatewayImChannel only posts (PostToConnection).
 * Add 'DELETE' (DeleteConnection) or 'GET' (GetConnection) here when the code starts to use them.
 */
export const CONNECTION_METHODS = ['POST'] as const;

/** The custom metrics the log metric filters publish. */
export const METRICS_NAMESPACE = 'Imsms';

/** Lambda timeouts, from the trigger and what the function does. */
export function timeoutFor(spec: FunctionSpec): Duration {
  // A batch of up to 10 ack checks, each of which may send an SMS with retries.
  if (spec.trigger.kind === 'queue') return Duration.seconds(60);
  // SMS sends retry with backoff (shared/core/sms-send.ts); still under API Gateway's 29-30 s integration limit.
  if (spec.needs.sendsSms) return Duration.seconds(20);
  return Duration.seconds(10);
}

/** SQS redelivers a message whose visibility timeout ends while the consumer still runs: keep it ≥ 6× (AWS guidance). */
const VISIBILITY_FACTOR = 6;

const pascal = (kebab: string) =>
  kebab
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

export interface ImsmsStackProps extends StackProps {
  readonly settings: Settings;
  /** The function manifest (infra/functions.ts). Tests pass variants to show the stack follows it. */
  readonly manifest?: readonly FunctionSpec[];
}

/**
 * The whole service in one stack, built by iterating the manifest: one HouseFunction per entry, wired to its
 * trigger (HTTP API route, WebSocket route, the $connect authorizer, or an SQS queue), and granted exactly what
 * its `needs` say.
 */
export class ImsmsStack extends Stack {
  readonly functions: Record<string, HouseFunction> = {};
  readonly table: dynamodb.Table;
  readonly jwtSecret: secretsmanager.Secret;
  readonly twilioSecret: secretsmanager.Secret;
  readonly ackQueue: sqs.Queue;
  readonly ackDlq: sqs.Queue;
  readonly wsApi: apigw.WebSocketApi;
  readonly wsStage: apigw.WebSocketStage;
  readonly httpApi: apigw.HttpApi;
  readonly httpStage: apigw.HttpStage;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly alarmTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: ImsmsStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const manifest = props.manifest ?? defaultManifest;
    const dataRemoval = settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // ---- Data -------------------------------------------------------------------------------------------
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: dataRemoval,
      deletionProtection: settings.retainData,
    });

    // ---- Secrets: generated placeholders; the operator puts the real values (docs/deploy.md) --------------
    this.jwtSecret = new secretsmanager.Secret(this, 'JwtSecret', {
      description: 'imsms: HMAC secret that signs session tokens and OTP hashes (JWT_SECRET_ARN)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: dataRemoval,
    });
    this.twilioSecret = new secretsmanager.Secret(this, 'TwilioSecret', {
      description:
        'imsms: Twilio credentials, JSON {"accountSid","authToken"} (TWILIO_SECRET_ARN). Put the real values.',
      generateSecretString: {
        // The template carries no real value: a placeholder SID and a random token until the operator sets them.
        secretStringTemplate: JSON.stringify({ accountSid: 'AC_SET_ME' }),
        generateStringKey: 'authToken',
        excludePunctuation: true,
      },
      removalPolicy: dataRemoval,
    });
    acknowledge(
      this.jwtSecret,
      'AwsSolutions-SMG4',
      'No automatic rotation: rotating the signing secret logs every user out and voids pending OTPs; rotate by hand (docs/deploy.md).',
    );
    acknowledge(
      this.twilioSecret,
      'AwsSolutions-SMG4',
      'The Twilio auth token is issued and rotated in the Twilio console, which Secrets Manager cannot drive; the operator updates the secret (docs/deploy.md).',
    );

    // ---- Queues: one per queue trigger in the manifest (today only the durable ack timer) ------------------
    const queues = new Map<string, { queue: sqs.Queue; dlq: sqs.Queue }>();
    for (const spec of manifest) {
      if (spec.trigger.kind !== 'queue') continue;
      const name = spec.trigger.queue;
      if (queues.has(name)) throw new Error(`manifest: queue "${name}" has more than one consumer`);
      const base = pascal(name);
      const dlq = new sqs.Queue(this, `${base}Dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const queue = new sqs.Queue(this, `${base}Queue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        // The delay is per message (the sender sets DelaySeconds = ACK_TIMEOUT_MS); none here.
        visibilityTimeout: Duration.seconds(timeoutFor(spec).toSeconds() * VISIBILITY_FACTOR),
        deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
      });
      queues.set(name, { queue, dlq });
    }
    const ack = queues.get('ack-timeout');
    if (!ack)
      throw new Error('manifest: no function consumes the "ack-timeout" queue (ACK_QUEUE_URL needs it)');
    this.ackQueue = ack.queue;
    this.ackDlq = ack.dlq;

    // ---- APIs ---------------------------------------------------------------------------------------------
    this.wsApi = new apigw.WebSocketApi(this, 'WsApi', {
      apiName: `${this.stackName}-ws`,
      description: 'imsms WebSocket API: frames are routed by their "action"',
      routeSelectionExpression: '$request.body.action',
    });
    const wsAccessLogs = settings.wsAccessLogs
      ? new logs.LogGroup(this, 'WsAccessLogs', {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        })
      : undefined;
    this.wsStage = new apigw.WebSocketStage(this, 'WsStage', {
      webSocketApi: this.wsApi,
      // A literal name: WS_ENDPOINT and the ManageConnections ARN then reference the Api, never the Stage
      // (the Stage depends on the routes, which depend on the functions: referencing it would be a cycle).
      stageName: settings.wsStageName,
      autoDeploy: true,
      throttle: settings.wsThrottle,
      accessLogSettings: wsAccessLogs
        ? { destination: new apigw.LogGroupLogDestination(wsAccessLogs) }
        : undefined,
    });
    if (!wsAccessLogs) {
      acknowledge(
        this.wsStage,
        'AwsSolutions-APIG1',
        'WebSocket access logs need the account-wide API Gateway CloudWatch role, which this stack does not own; enable with -c wsAccessLogs=true once the account has it (docs/deploy.md). Function logs record every event meanwhile.',
      );
    }

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `${this.stackName}-http`,
      description: 'imsms HTTP API: sign-in and the Twilio webhooks',
      // Our own $default stage below, for throttling and access logs.
      createDefaultStage: false,
    });
    const httpAccessLogs = new logs.LogGroup(this, 'HttpAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpStage = new apigw.HttpStage(this, 'HttpStage', {
      httpApi: this.httpApi,
      // $default: no stage segment in URLs, so the path Twilio signs is exactly PUBLIC_URL + rawPath.
      stageName: '$default',
      autoDeploy: true,
      throttle: settings.httpThrottle,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(httpAccessLogs) },
    });
    /** https://<id>.execute-api.<region>.amazonaws.com, no trailing slash. */
    const publicUrl = this.httpApi.apiEndpoint;

    // ---- Functions ----------------------------------------------------------------------------------------
    const connectionsArns = CONNECTION_METHODS.map((method) =>
      this.formatArn({
        service: 'execute-api',
        resource: this.wsApi.apiId,
        resourceName: `${settings.wsStageName}/${method}/@connections/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    const commonEnv: Record<string, string> = {
      TABLE_NAME: this.table.tableName,
      // https://<wsApiId>.execute-api.<region>.amazonaws.com/<stage>: from the Api id and the literal stage name.
      WS_ENDPOINT: this.wsStage.callbackUrl,
      PUBLIC_URL: publicUrl,
      SMS_PROVIDER: settings.smsProvider,
      SERVICE_NUMBERS: settings.serviceNumbers.join(','),
      ACK_TIMEOUT_MS: String(settings.ackTimeoutMs),
      // Every function: shared/config.ts refuses to start on Lambda without it. A URL grants nothing;
      // only functions with needs.schedulesAckCheck may send to it (below).
      ACK_QUEUE_URL: this.ackQueue.queueUrl,
      SMS_COUNTRIES: settings.smsCountries.join(','),
      LOG_LEVEL: settings.logLevel,
    };

    for (const spec of manifest) {
      if (this.functions[spec.name]) throw new Error(`manifest: duplicate function name "${spec.name}"`);
      const { needs } = spec;
      const usesTwilioSecret = needs.twilioWebhook || (needs.sendsSms && settings.smsProvider === 'twilio');
      const hf = new HouseFunction(this, pascal(spec.name), {
        entry: spec.entry,
        description: `imsms ${spec.name} (${describeTrigger(spec)})`,
        timeout: timeoutFor(spec),
        environment: {
          ...commonEnv,
          ...(needs.jwt ? { JWT_SECRET_ARN: this.jwtSecret.secretArn } : {}),
          ...(usesTwilioSecret ? { TWILIO_SECRET_ARN: this.twilioSecret.secretArn } : {}),
        },
      });
      this.functions[spec.name] = hf;
      const role = hf.role;

      const tableActions = TABLE_ACTIONS[needs.table];
      if (tableActions.length) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'Table',
            actions: [...tableActions],
            resources: [this.table.tableArn],
          }),
        );
      }
      if (needs.manageConnections) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'PushToConnections',
            actions: ['execute-api:ManageConnections'],
            resources: connectionsArns,
          }),
        );
      }
      if (needs.jwt) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'JwtSecret',
            actions: ['secretsmanager:GetSecretValue'],
            resources: [this.jwtSecret.secretArn],
          }),
        );
      }
      if (usesTwilioSecret) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'TwilioSecret',
            actions: ['secretsmanager:GetSecretValue'],
            resources: [this.twilioSecret.secretArn],
          }),
        );
      }
      if (needs.schedulesAckCheck) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'ScheduleAckCheck',
            actions: ['sqs:SendMessage'],
            resources: [this.ackQueue.queueArn],
          }),
        );
      }
      if (needs.sendsSms && settings.smsProvider === 'sns') {
        // SMS straight to a phone number has no resource ARN to name. NotResource on every topic ARN leaves
        // exactly that: this role can text phones but cannot publish to any SNS topic.
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'SendSmsViaSns',
            actions: ['sns:Publish'],
            notResources: [`arn:${Aws.PARTITION}:sns:*:*:*`],
          }),
        );
      }
    }

    // ---- Triggers -----------------------------------------------------------------------------------------
    const authorizers = manifest.filter((s) => s.trigger.kind === 'ws-authorizer');
    if (authorizers.length > 1) throw new Error('manifest: more than one ws-authorizer');
    const wsSpecs = manifest.filter((s) => s.trigger.kind === 'ws');
    if (wsSpecs.length && !authorizers.length)
      throw new Error('manifest: WebSocket routes but no ws-authorizer for $connect');
    const authorizer = authorizers.length
      ? new WebSocketLambdaAuthorizer('ConnectAuthorizer', this.functions[authorizers[0].name].fn, {
          authorizerName: 'token',
          identitySource: ['route.request.querystring.token'],
        })
      : undefined;
    if (authorizer && !wsSpecs.some((s) => s.trigger.kind === 'ws' && s.trigger.routeKey === '$connect')) {
      throw new Error('manifest: a ws-authorizer but no $connect route to put it on');
    }

    for (const spec of manifest) {
      const fn = this.functions[spec.name].fn;
      const trigger = spec.trigger;
      switch (trigger.kind) {
        case 'http':
          this.httpApi.addRoutes({
            path: trigger.path,
            methods: [apigw.HttpMethod[trigger.method]],
            integration: new HttpLambdaIntegration(spec.name, fn),
          });
          break;
        case 'ws':
          this.wsApi.addRoute(trigger.routeKey, {
            // Named after the function: an id of 'Default' would collide with the $default route's logical id.
            integration: new WebSocketLambdaIntegration(spec.name, fn),
            // WebSocket APIs authorize once, on $connect; API Gateway allows no authorizer on other routes.
            authorizer: trigger.routeKey === '$connect' ? authorizer : undefined,
          });
          break;
        case 'ws-authorizer':
          break; // bound to $connect above
        case 'queue': {
          const q = queues.get(trigger.queue)!;
          fn.addEventSource(new SqsEventSource(q.queue, { batchSize: 10, reportBatchItemFailures: true }));
          break;
        }
        default: {
          const never: never = trigger;
          throw new Error(`manifest: unknown trigger ${JSON.stringify(never)}`);
        }
      }
    }

    // Routes that are public by design. WebSocket routes after $connect ride the authorized connection.
    for (const spec of manifest) {
      const t = spec.trigger;
      if (t.kind === 'ws' && t.routeKey !== '$connect') {
        acknowledge(
          this.wsApi.node.findChild(`${t.routeKey}-Route`),
          'AwsSolutions-APIG4',
          "WebSocket APIs authorize once, at $connect (Lambda REQUEST authorizer on ?token=); API Gateway accepts no authorizer on other routes, whose events carry the connection's authorizer context.",
        );
      }
    }
    for (const route of this.httpApi.node.children) {
      if (!(route instanceof apigw.HttpRoute)) continue;
      const path = route.path ?? '';
      const reason = path.startsWith('/twilio/')
        ? 'Twilio webhook: Twilio cannot send API Gateway credentials; every request is authenticated in the function by its X-Twilio-Signature (HMAC over PUBLIC_URL + path + params), and a bad one gets 403 before anything is read.'
        : 'Public by design: this is the sign-in flow (request an SMS code, trade it for a session token), which runs before the caller has any credential; it is rate-limited in the function and throttled at the stage.';
      acknowledge(route, 'AwsSolutions-APIG4', reason);
    }

    // ---- Alarms -------------------------------------------------------------------------------------------
    if (settings.alarmEmail) {
      this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
        displayName: `${this.stackName} alarms`,
        enforceSSL: true,
      });
      // Not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS managed aws/sns key, and the
      // notifications carry alarm names only. (AwsSolutions v3 checks SNS3, publish over TLS: enforceSSL.)
      this.alarmTopic.addSubscription(new subs.EmailSubscription(settings.alarmEmail));
    }
    const alarm = (id: string, props: cloudwatch.AlarmProps) => {
      const a = new cloudwatch.Alarm(this, id, props);
      if (this.alarmTopic) a.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
      this.alarms.push(a);
      return a;
    };
    const fiveMinutes = Duration.minutes(5);

    for (const spec of manifest) {
      const hf = this.functions[spec.name];
      alarm(`${pascal(spec.name)}Errors`, {
        alarmDescription: `${spec.name}: the function threw (or timed out) in the last 5 minutes`,
        metric: hf.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    for (const [name, { dlq }] of queues) {
      alarm(`${pascal(name)}DlqNotEmpty`, {
        alarmDescription: `${name}: messages reached the dead-letter queue (each is an ack check that failed 5 times)`,
        metric: dlq.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    // SMS failures, from the JSON log lines (shared/adapters/logger.ts writes {"event": …}). Filters go on the
    // log groups of the functions that can fail a message: those that send SMS or take Twilio's callbacks.
    const messageFailed = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'MessageFailed',
      statistic: 'Sum',
      period: fiveMinutes,
    });
    const smsUndelivered = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'SmsUndelivered',
      statistic: 'Sum',
      period: fiveMinutes,
    });
    for (const spec of manifest) {
      if (!spec.needs.sendsSms && !spec.needs.twilioWebhook) continue;
      const lg = this.functions[spec.name].logGroup;
      lg.addMetricFilter('MessageFailed', {
        filterPattern: logs.FilterPattern.stringValue('$.event', '=', LogEvent.MessageFailed),
        metricNamespace: METRICS_NAMESPACE,
        metricName: messageFailed.metricName,
        metricValue: '1',
      });
      lg.addMetricFilter('SmsUndelivered', {
        filterPattern: logs.FilterPattern.all(
          logs.FilterPattern.stringValue('$.event', '=', LogEvent.SmsStatus),
          logs.FilterPattern.any(
            logs.FilterPattern.stringValue('$.status', '=', 'failed'),
            logs.FilterPattern.stringValue('$.status', '=', 'undelivered'),
          ),
        ),
        metricNamespace: METRICS_NAMESPACE,
        metricName: smsUndelivered.metricName,
        metricValue: '1',
      });
    }
    alarm('MessageFailedAlarm', {
      alarmDescription:
        'A message ended as failed (log event message.failed: SMS provider error, opted out, country not allowed, unknown recipient)',
      metric: messageFailed,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('SmsUndeliveredAlarm', {
      alarmDescription: 'Twilio reported an SMS as failed or undelivered (log event message.sms_status)',
      metric: smsUndelivered,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // ---- Outputs ------------------------------------------------------------------------------------------
    new CfnOutput(this, 'WebSocketUrl', {
      value: this.wsStage.url,
      description: 'Clients connect here: wss://…/<stage>?token=<session token>',
    });
    new CfnOutput(this, 'HttpApiUrl', {
      value: publicUrl,
      description: 'The HTTP API (PUBLIC_URL): /auth/start, /auth/verify, /twilio/*',
    });
    new CfnOutput(this, 'SmsWebhookUrl', {
      value: `${publicUrl}/twilio/sms`,
      description: 'Twilio number → Messaging → "A message comes in" → HTTP POST here',
    });
    new CfnOutput(this, 'VoiceWebhookUrl', {
      value: `${publicUrl}/twilio/voice`,
      description:
        'Twilio number → Voice → "A call comes in" → HTTP POST here (route arrives with the IVR issue)',
    });
    new CfnOutput(this, 'JwtSecretArn', {
      value: this.jwtSecret.secretArn,
      description: 'Generated at deploy; nothing to set',
    });
    new CfnOutput(this, 'TwilioSecretArn', {
      value: this.twilioSecret.secretArn,
      description: 'Put {"accountSid","authToken"} here before using Twilio',
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'AckQueueUrl', { value: this.ackQueue.queueUrl });
    if (this.alarmTopic) new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });

    // ---- cdk-nag acknowledgments that are stack-wide facts -------------------------------------------------
    for (const spec of manifest) {
      const hf = this.functions[spec.name];
      acknowledge(
        hf.fn,
        'AwsSolutions-L1',
        'Pinned to nodejs22.x on purpose: the bundles target node22 and the code is tested on that line; moving to a newer runtime is a deliberate change with its own test run.',
      );
      if (spec.needs.manageConnections) {
        for (const arn of connectionsArnFindings(this, settings)) {
          acknowledge(
            hf.role,
            `AwsSolutions-IAM5[Resource::${arn}]`,
            'Connection ids are created at runtime: the ARN is scoped to this WebSocket API, its one stage and POST /@connections/* (push a frame), the narrowest IAM allows.',
          );
        }
      }
    }
  }
}

/** How cdk-nag renders the @connections resource ARNs in its IAM5 finding ids. */
function connectionsArnFindings(stack: ImsmsStack, settings: Settings): string[] {
  const apiLogicalId = stack.getLogicalId(stack.wsApi.node.defaultChild as CfnElement);
  return CONNECTION_METHODS.map(
    (method) =>
      `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${settings.wsStageName}/${method}/@connections/*`,
  );
}

function describeTrigger(spec: FunctionSpec): string {
  const t = spec.trigger;
  switch (t.kind) {
    case 'http':
      return `${t.method} ${t.path}`;
    case 'ws':
      return `WebSocket ${t.routeKey}`;
    case 'ws-authorizer':
      return 'WebSocket $connect authorizer';
    case 'queue':
      return `queue ${t.queue}`;
  }
}
