// Removes this run's CDK output folder (made by test/support/global-setup.js).
const fs = require('node:fs');

module.exports = async () => {
  const dir = process.env.IMSMS_CDK_RUN_DIR;
  if (dir && dir.includes('imsms-jest-cdk.out-')) fs.rmSync(dir, { recursive: true, force: true });
};
