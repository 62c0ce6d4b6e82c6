/**
 * `npx cdk synth` / `npx cdk deploy` run this (cdk.json: "app": "npx tsx infra/aws/app.ts").
 * Context: see infra/aws/settings.ts and docs/deploy.md. A bad or missing setting prints one line naming it
 * (no stack trace) and exits 1, so the CLI stops before anything is deployed.
 */
import { createApp } from './create-app';
import { SettingsError } from './settings';

try {
  createApp().app.synth();
} catch (err) {
  if (!(err instanceof SettingsError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
