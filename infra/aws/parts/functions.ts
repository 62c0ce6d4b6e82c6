import { ArnFormat, Aws, Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { FunctionSpec } from '../../functions';
import { ackBatchWorstMs } from '../../../shared/runtime/ack-batch';
import { HouseFunction } from '../constructs/house-function';
import { acknowledge } from '../nag';
import type { Settings } from '../settings';
import type { Apis } from './apis';
import type { Data } from './data';
import type { Queues } from './queues';
import { pascal } from './naming';
import { CONVERSATION_INDEX } from '../../../shared/adapters/dynamo-table';

/**
 * Exactly the DynamoDB actions shared/adapters/dynamo-store.ts issues (Get/Put/Update/Delete/Query), on the
 * table ARN and its one index (history's byConversation Query). No Scan, no batch or transaction calls.
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

/** Lambda timeouts, from the trigger and what the function does. */
export function timeoutFor(spec: FunctionSpec): Duration {
  // A batch of delivery checks, each of which may send an SMS with retries: what a full batch needs at worst
  // (shared/runtime/ack-batch.ts: 1 round of 10 × 20 s + 2 s reserve = 22 s), rounded up to 10 s: 30 s.
  if (spec.trigger.kind === 'queue') return Duration.seconds(Math.ceil(ackBatchWorstMs() / 10_000) * 10);
  // SMS sends retry with backoff, and end by the request's deadline (shared/core/im-sms/deadlines.ts: 15 s at most)
  // with room for what follows; under API Gateway's 29-30 s integration limit.
  if (spec.needs.sendsSms) return Duration.seconds(20);
  return Duration.seconds(10);
}

export interface FunctionsProps {
  readonly manifest: readonly FunctionSpec[];
  readonly settings: Settings;
  readonly data: Data;
  readonly queues: Queues;
  readonly apis: Apis;
}

/**
 * One HouseFunction per manifest entry (construct id: the name in PascalCase, as before the split), with the
 * environment shared/config.ts reads and exactly the grants its `needs` say. Throws on a duplicate name.
 */
export class Functions {
  /** By manifest name, in manifest order. */
  readonly byName: Record<string, HouseFunction> = {};

  constructor(scope: Construct, props: FunctionsProps) {
    const { manifest, settings, data, queues, apis } = props;
    const stack = Stack.of(scope);
    const connectionsArns = CONNECTION_METHODS.map((method) =>
      stack.formatArn({
        service: 'execute-api',
        resource: apis.wsApi.apiId,
        resourceName: `${settings.wsStageName}/${method}/@connections/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    const commonEnv: Record<string, string> = {
      TABLE_NAME: data.table.tableName,
      // https://<wsApiId>.execute-api.<region>.amazonaws.com/<stage>: from the Api id and the literal stage name.
      WS_ENDPOINT: apis.wsStage.callbackUrl,
      PUBLIC_URL: apis.publicUrl,
      SMS_PROVIDER: settings.smsProvider,
      SERVICE_NUMBERS: settings.serviceNumbers.join(','),
      ACK_TIMEOUT_MS: String(settings.ackTimeoutMs),
      // Every function: shared/config.ts refuses to start on Lambda without it. A URL grants nothing;
      // only functions with needs.schedulesAckCheck may send to it (below).
      ACK_QUEUE_URL: queues.ack.queue.queueUrl,
      SMS_COUNTRIES: settings.smsCountries.join(','),
      LOG_LEVEL: settings.logLevel,
    };

    for (const spec of manifest) {
      if (this.byName[spec.name]) throw new Error(`manifest: duplicate function name "${spec.name}"`);
      const { needs } = spec;
      const usesTwilioSecret = needs.twilioWebhook || (needs.sendsSms && settings.smsProvider === 'twilio');
      const hf = new HouseFunction(scope, pascal(spec.name), {
        entry: spec.entry,
        description: `imsms ${spec.name} (${describeTrigger(spec)})`,
        timeout: timeoutFor(spec),
        environment: {
          ...commonEnv,
          ...(needs.jwt ? { JWT_SECRET_ARN: data.jwtSecret.secretArn } : {}),
          ...(usesTwilioSecret ? { TWILIO_SECRET_ARN: data.twilioSecret.secretArn } : {}),
        },
      });
      this.byName[spec.name] = hf;
      const allow = (sid: string, actions: string[], resources: string[]) =>
        hf.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources }));

      const tableActions = TABLE_ACTIONS[needs.table];
      if (tableActions.length)
        allow(
          'Table',
          [...tableActions],
          [data.table.tableArn, `${data.table.tableArn}/index/${CONVERSATION_INDEX.name}`],
        );
      if (needs.manageConnections)
        allow('PushToConnections', ['execute-api:ManageConnections'], connectionsArns);
      if (needs.jwt) allow('JwtSecret', ['secretsmanager:GetSecretValue'], [data.jwtSecret.secretArn]);
      if (usesTwilioSecret)
        allow('TwilioSecret', ['secretsmanager:GetSecretValue'], [data.twilioSecret.secretArn]);
      if (needs.schedulesAckCheck)
        allow('ScheduleAckCheck', ['sqs:SendMessage'], [queues.ack.queue.queueArn]);
      if (needs.sendsSms && settings.smsProvider === 'sns') {
        // SMS straight to a phone number has no resource ARN to name. NotResource on every topic ARN leaves
        // exactly that: this role can text phones but cannot publish to any SNS topic.
        hf.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'SendSmsViaSns',
            actions: ['sns:Publish'],
            notResources: [`arn:${Aws.PARTITION}:sns:*:*:*`],
          }),
        );
      }

      acknowledge(
        hf.fn,
        'AwsSolutions-L1',
        'Pinned to nodejs22.x on purpose: the bundles target node22 and the code is tested on that line; moving to a newer runtime is a deliberate change with its own test run.',
      );
      if (needs.manageConnections) {
        // How cdk-nag renders the @connections resource ARNs in its IAM5 finding ids.
        const apiLogicalId = stack.getLogicalId(apis.wsApi.node.defaultChild as CfnElement);
        for (const method of CONNECTION_METHODS) {
          const arn = `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${settings.wsStageName}/${method}/@connections/*`;
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
    default: {
      const never: never = t;
      throw new Error(`manifest: unknown trigger ${JSON.stringify(never)}`);
    }
  }
}
