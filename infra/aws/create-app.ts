import { Annotations, App, Tags } from 'aws-cdk-lib';
import { acknowledgeServerlessFindings, addNagChecks } from './nag';
import { readSettings } from './settings';
import { ImsmsStack } from './stack';
import type { FunctionSpec } from '../functions';

export interface CreateAppOptions {
  /** Context for the App (tests pass cdk.json's context plus overrides; the CLI passes it through the environment). */
  context?: Record<string, unknown>;
  /** Run the cdk-nag packs (AwsSolutions, Serverless) at synth (default true). */
  nag?: boolean;
  /** A different manifest (tests only). */
  manifest?: readonly FunctionSpec[];
}

/**
 * The CDK app: one environment-agnostic stack (no account/region lookups, so `cdk synth` needs no credentials).
 * Context `stackName` (default "Imsms") names the stack, so test stacks can live beside the real one.
 * Throws SettingsError (infra/aws/settings.ts) when the context is invalid or has no `serviceNumbers` and no
 * `synthOnly=true`.
 */
export function createApp(opts: CreateAppOptions = {}): { app: App; stack: ImsmsStack } {
  const app = new App(opts.context ? { context: opts.context } : undefined);
  const settings = readSettings(app.node);
  const stackName = String(app.node.tryGetContext('stackName') ?? 'Imsms');
  const stack = new ImsmsStack(app, 'Imsms', {
    stackName,
    settings,
    manifest: opts.manifest,
    description:
      'imsms: instant messaging that falls back to SMS (API Gateway WebSocket + HTTP, Lambda, DynamoDB, SQS)',
  });
  Tags.of(stack).add('project', 'imsms');
  acknowledgeServerlessFindings(stack, settings);
  if (settings.serviceNumbersArePlaceholder) {
    Annotations.of(stack).addWarningV2(
      'imsms:placeholderServiceNumbers',
      `synthOnly=true without serviceNumbers: SERVICE_NUMBERS is the placeholder ${settings.serviceNumbers[0]}. ` +
        'This template is for checks, not for a deploy: set serviceNumbers (docs/deploy.md).',
    );
  }
  if (opts.nag ?? true) addNagChecks(app);
  return { app, stack };
}
