// One folder per jest run for the CDK output of its test files (test/support/setup-env.ts gives each file its
// own folder inside it), made here so that two runs at once (two checkouts on one machine, or CI beside a
// developer) never share it: a fixed path let one run's teardown delete the folder under the other's synth
// ("ENOENT … validation-report.json"). Workers inherit process.env.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async () => {
  process.env.IMSMS_CDK_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'imsms-jest-cdk.out-'));
};
