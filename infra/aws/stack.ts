import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { functions as defaultManifest, type FunctionSpec } from '../functions';
import type { HouseFunction } from './constructs/house-function';
import { Apis } from './parts/apis';
import { Data } from './parts/data';
import { Functions } from './parts/functions';
import { Monitoring } from './parts/monitoring';
import { Queues } from './parts/queues';
import type { Settings } from './settings';

export { CONNECTION_METHODS, TABLE_ACTIONS, timeoutFor } from './parts/functions';
export { METRICS_NAMESPACE } from './parts/monitoring';

export interface ImsmsStackProps extends StackProps {
  readonly settings: Settings;
  /** The function manifest (infra/functions.ts). Tests pass variants to show the stack follows it. */
  readonly manifest?: readonly FunctionSpec[];
}

/**
 * The whole service in one stack, built by iterating the manifest: one HouseFunction per entry, wired to its
 * trigger (HTTP API route, WebSocket route, the $connect authorizer, or an SQS queue), and granted exactly what
 * its `needs` say. The parts (infra/aws/parts/) build in this stack's scope, in this order; the order is the
 * template's resource order.
 */
export class ImsmsStack extends Stack {
  readonly functions: Record<string, HouseFunction>;
  readonly table: dynamodb.Table;
  readonly jwtSecret: secretsmanager.Secret;
  readonly twilioSecret: secretsmanager.Secret;
  readonly ackQueue: sqs.Queue;
  readonly ackDlq: sqs.Queue;
  readonly wsApi: apigw.WebSocketApi;
  readonly wsStage: apigw.WebSocketStage;
  readonly httpApi: apigw.HttpApi;
  readonly httpStage: apigw.HttpStage;
  readonly alarms: cloudwatch.Alarm[];
  readonly alarmTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: ImsmsStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const manifest = props.manifest ?? defaultManifest;

    const data = new Data(this, { retainData: settings.retainData });
    const queues = new Queues(this, manifest);
    const apis = new Apis(this, settings);
    const fns = new Functions(this, { manifest, settings, data, queues, apis });
    const fnOf = (name: string) => fns.byName[name].fn;
    apis.connect(manifest, fnOf);
    queues.connect(manifest, fnOf);
    const monitoring = new Monitoring(this, {
      manifest,
      functions: fns,
      queues,
      alarmEmail: settings.alarmEmail,
    });

    this.table = data.table;
    this.jwtSecret = data.jwtSecret;
    this.twilioSecret = data.twilioSecret;
    this.ackQueue = queues.ack.queue;
    this.ackDlq = queues.ack.dlq;
    this.wsApi = apis.wsApi;
    this.wsStage = apis.wsStage;
    this.httpApi = apis.httpApi;
    this.httpStage = apis.httpStage;
    this.functions = fns.byName;
    this.alarms = monitoring.alarms;
    this.alarmTopic = monitoring.alarmTopic;

    this.addOutputs(apis.publicUrl);
  }

  private addOutputs(publicUrl: string): void {
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
  }
}
