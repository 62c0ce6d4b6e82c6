import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag v3 runs as a CDK policy-validation plugin (not an Aspect): violations surface in the synth report and,
 * for errors, fail `cdk synth`/`cdk deploy`. Acknowledgments use CDK's own `Validations.of(x).acknowledge()`
 * (v3 removed `NagSuppressions`); each one applies to the construct and everything under it.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

/** One acknowledged cdk-nag rule (or one finding, `Rule[Finding]`), always with its reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
