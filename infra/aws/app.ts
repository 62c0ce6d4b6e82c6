/**
 * `npx cdk synth` / `npx cdk deploy` run this (cdk.json: "app": "npx tsx infra/aws/app.ts").
 * Context: see infra/aws/settings.ts and docs/deploy.md.
 */
import { createApp } from './create-app';

createApp().app.synth();
