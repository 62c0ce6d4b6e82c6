/**
 * `npm run test:chaos`: the reliability and security suite with its slow parts (load, long fuzzing, crash and
 * restart). Its fast parts are ordinary `*.test.ts` files that `npm test` runs too.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/chaos'],
  testMatch: ['**/*.test.ts', '**/*.chaos.ts'],
  testTimeout: 600000,
  maxWorkers: 1,
};
