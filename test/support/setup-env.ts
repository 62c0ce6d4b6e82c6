import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// See infra/local/node-env.ts: the SDK's Node 22 notice is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// A CDK App made without an outdir synthesises into a fresh /tmp/cdk.outXXXX that nothing removes (about 24 MB
// each, 8 a run). Each test file gets its own folder instead, inside the run's folder that
// test/support/global-setup.js makes and global-teardown.js removes. Per file, not per run: Template.fromStack
// reads the template back from the assembly folder, so two files synthesising a stack of the same name at once
// (two workers) would read each other's template. Outside jest's global setup: a folder per process.
const runDir = process.env.IMSMS_CDK_RUN_DIR ?? path.join(tmpdir(), `imsms-jest-cdk.out-${process.pid}`);
mkdirSync(runDir, { recursive: true });
process.env.CDK_OUTDIR = mkdtempSync(path.join(runDir, 'file-'));
