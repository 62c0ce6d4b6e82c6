// Removes the CDK output folder the tests synthesise into (test/support/setup-env.ts).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async () => {
  fs.rmSync(path.join(os.tmpdir(), 'imsms-jest-cdk.out'), { recursive: true, force: true });
};
