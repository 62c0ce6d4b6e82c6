import { tmpdir } from 'node:os';
import path from 'node:path';

// See infra/local/node-env.ts: the SDK's Node 22 notice is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// A CDK App made without an outdir synthesises into a fresh /tmp/cdk.outXXXX that nothing removes (about 24 MB
// each, 8 a run). Tests share one folder per jest run instead: test/support/global-setup.js makes it and
// global-teardown.js removes it. The fallback is for a test file run outside jest's global setup.
process.env.CDK_OUTDIR ??= path.join(tmpdir(), `imsms-jest-cdk.out-${process.pid}`);
