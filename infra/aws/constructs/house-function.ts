import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { REPO_ROOT, bundlingOptions } from '../bundling';
import { acknowledge } from '../nag';

export interface HouseFunctionProps {
  /** The handler module, relative to the repository root (the manifest's `entry`). It exports `handler`. */
  readonly entry: string;
  readonly description?: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

let esbuildChecked = false;

/** NodejsFunction falls back to Docker when it cannot find esbuild; this project never does (no Docker on CI). */
function assertLocalEsbuild(): void {
  if (esbuildChecked) return;
  try {
    require.resolve('esbuild/package.json', { paths: [REPO_ROOT] });
    esbuildChecked = true;
  } catch {
    throw new Error(
      'esbuild is not installed in node_modules: run `npm ci`. (Bundling never falls back to Docker.)',
    );
  }
}

/**
 * The house Lambda: Node 22 on arm64, bundled locally by esbuild with the shared `bundlingOptions`, its own log
 * group with a retention, active X-Ray tracing, and its own role that can write to that log group (and send
 * its trace segments) and nothing else. Whatever else it may do, the stack grants explicitly (from the
 * manifest's `needs`).
 *
 * The role is ours rather than Lambda's default because the default attaches the AWS managed
 * AWSLambdaBasicExecutionRole, which lets the function create and write any log group (`Resource: *`).
 */
export class HouseFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    super(scope, id);
    assertLocalEsbuild();

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Logs expire within the month anyway; `cdk destroy` removes them with the function.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    // logs:CreateLogStream + logs:PutLogEvents on this function's log group only.
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Fn', {
      entry: path.resolve(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // The app writes its own JSON lines (Powertools Logger, shared/adapters/logger.ts) and CloudWatch EMF
      // lines (Powertools Metrics) to stdout: plain text format keeps each line as-is, so CloudWatch Logs
      // extracts the EMF metrics and Logs Insights parses the JSON.
      loggingFormat: lambda.LoggingFormat.TEXT,
      // X-Ray: a segment per invocation, the trace id in every log line (`xray_trace_id`), and a subsegment per
      // AWS SDK call (shared/adapters/xray.ts, about 3 KiB; Powertools Tracer or aws-xray-sdk-core would add
      // 110-124 KiB to every bundle, past the budgets of test/infra/bundles.test.ts).
      tracing: lambda.Tracing.ACTIVE,
      bundling: bundlingOptions,
      // No NODE_OPTIONS=--enable-source-maps: it made Node read and parse each bundle's 1 MB map at every cold
      // start. Stacks are mapped to the sources when one is printed (shared/runtime/source-maps.ts).
      environment: { ...props.environment },
    });
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions (IAM requires Resource "*"); nothing else in this role is granted on "*".',
    );
  }
}
