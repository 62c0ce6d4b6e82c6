import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { Settings } from './settings';
import type { ImsmsStack } from './stack';

/**
 * cdk-nag v3 runs two packs, AwsSolutions and Serverless, as a CDK policy-validation plugin (not an Aspect): violations surface in the synth report and,
 * for errors, fail `cdk synth`/`cdk deploy`. Acknowledgments use CDK's own `Validations.of(x).acknowledge()`
 * (v3 removed `NagSuppressions`); each one applies to the construct and everything under it.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
}

/** One acknowledged cdk-nag rule (or one finding, `Rule[Finding]`), always with its reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The Serverless pack's findings this design accepts, each with its reason. Applied once to the built stack
 * (create-app.ts), so the parts need not know about this pack.
 */
export function acknowledgeServerlessFindings(stack: ImsmsStack, settings: Settings): void {
  for (const hf of Object.values(stack.functions)) {
    acknowledge(
      hf.fn,
      'Serverless-LambdaDLQ',
      'No function is invoked asynchronously: API Gateway calls them synchronously and answers the client, and the ack-timeout function reads SQS, whose own redrive policy parks failed records in its DLQ.',
    );
    acknowledge(
      hf.fn,
      'Serverless-LambdaLatestVersion',
      'Pinned to nodejs22.x on purpose: the bundles target node22 and the code is tested on that line; moving to a newer runtime is a deliberate change with its own test run.',
    );
  }
  acknowledge(
    stack.ackDlq,
    'Serverless-SQSRedrivePolicy',
    'This queue is the dead-letter queue of the ack-timeout queue: its messages are inspected and redriven by hand, and the DLQ alarm fires on the first one.',
  );
  acknowledge(
    stack.functions['ack-timeout'] ?? stack,
    'Serverless-LambdaEventSourceMappingDestination',
    'An SQS event source mapping takes no on-failure destination; failed records are reported per item (batchItemFailures) and the queue redrive policy moves them to the DLQ after maxReceiveCount.',
  );
  acknowledge(
    stack.httpStage,
    'Serverless-APIGWStructuredLogging',
    'The HTTP stage keeps API Gateway access logs in the default format; the structured JSON per request is in every function log line (Powertools Logger), keyed by the API Gateway request id as correlation_id.',
  );
  if (stack.alarmTopic) {
    acknowledge(
      stack.alarmTopic,
      'Serverless-SNSRedrivePolicy',
      'The only subscription is the operator email for alarms; a notification it fails to deliver needs no redrive, because the alarm state stays on the CloudWatch console and the operations dashboard.',
    );
  }
  if (settings.wsAccessLogs) {
    acknowledge(
      stack.wsStage,
      'Serverless-APIGWStructuredLogging',
      'The WebSocket stage keeps API Gateway access logs in the default format; the structured JSON per event is in every function log line (Powertools Logger), keyed by the API Gateway request id as correlation_id.',
    );
  } else {
    acknowledge(
      stack.wsStage,
      'Serverless-APIGWAccessLogging',
      'WebSocket access logs need the account-wide API Gateway CloudWatch role, which this stack does not own; enable with -c wsAccessLogs=true once the account has it (docs/deploy.md). Function logs record every event meanwhile.',
    );
  }
}
