import path from 'node:path';
import { ESLint } from 'eslint';

/**
 * The linter enforces the architecture's boundaries (eslint.config.js): each forbidden import or a string log
 * event, placed in a file of the layer it is forbidden in, is an error; the same import where it is allowed is
 * not. Runs ESLint's Node API with the project's own config.
 */
const ROOT = path.resolve(__dirname, '../..');
// The config is passed in rather than found: ESLint loads config files by dynamic import, which jest's VM refuses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(path.join(ROOT, 'eslint.config.js'));
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: config });

const BOUNDARY_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

/** The boundary rules' messages for `code` as if it were the file at `filePath` (repo-relative). */
async function lint(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages
    .filter((m) => BOUNDARY_RULES.has(m.ruleId ?? ''))
    .map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the core boundary', () => {
  it.each([
    ["import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", 'no AWS SDK'],
    ["import { validateRequest } from 'twilio/lib/webhooks/webhooks';", 'no Twilio'],
    ["import type { SQSEvent } from 'aws-lambda';", 'transport or infrastructure'],
    ["import { dynamoStores } from '../adapters/dynamo';", 'never on shared/adapters'],
    ["import { getDeps } from '../runtime/deps';", 'never imports the runtime'],
    ["import { LogEvent } from '../../infra/aws/stack';", 'never imports infra'],
    ["import { Logger } from '@aws-lambda-powertools/logger';", 'Lambda tooling'],
    ["import { HttpRequest } from '@smithy/protocol-http';", 'no AWS SDK'],
    ["import { NagSuppressions } from 'cdk-nag';", 'transport or infrastructure'],
  ])('refuses %s in shared/core', async (line) => {
    const messages = await lint('shared/core/delivery/example.ts', `${line}\nexport const x = 1;\n`);
    expect(messages).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
  });

  it('allows ports, other core modules and pure libraries in shared/core', async () => {
    const code =
      "import type { Deps } from '../ports';\nimport { judge } from '../judgement/judge';\n" +
      "import { parsePhoneNumberFromString } from 'libphonenumber-js';\n" +
      'export const x = [judge, parsePhoneNumberFromString] as unknown as Deps;\n';
    expect(await lint('shared/core/delivery/example.ts', code)).toEqual([]);
  });

  it('refuses a log event spelled as a string in shared/core, and accepts LogEvent', async () => {
    const bad =
      "import type { Deps } from '../ports';\nexport const f = (deps: Deps) => deps.log.info('message.sent', {});\n";
    expect(await lint('shared/core/delivery/example.ts', bad)).toEqual([
      expect.stringMatching(/^no-restricted-syntax: Log events come from LogEvent/),
    ]);
    const good =
      "import type { Deps } from '../ports';\nimport { LogEvent } from '../log-events';\n" +
      'export const f = (deps: Deps) => deps.log.info(LogEvent.MessageAccepted, {});\n';
    expect(await lint('shared/core/delivery/example.ts', good)).toEqual([]);
  });

  it('refuses Node-only imports in the browser-safe rules, and allows them elsewhere in the core', async () => {
    const code = "import { createHash } from 'node:crypto';\nexport const x = createHash;\n";
    expect(await lint('shared/core/conversion/example.ts', code)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*Node-only/),
    ]);
    expect(await lint('shared/core/provisioning/example.ts', code)).toEqual([]);
  });
});

// Issue 14 item 1: every outbound SMS passes the opt-out gate, so the provider has one caller in the core.
describe('the SMS gate boundary', () => {
  const direct =
    "import type { Deps } from '../ports';\n" +
    "export const f = (deps: Deps) => deps.sms.send({ from: '+1', to: '+2', body: 'x' });\n";

  it('refuses a direct call of the SMS provider anywhere in the core but im-sms/send.ts', async () => {
    for (const file of ['shared/core/invitations/example.ts', 'shared/core/im-sms/example.ts']) {
      expect(await lint(file, direct)).toEqual([
        expect.stringMatching(/^no-restricted-syntax: Send SMS with sendSmsWithRetry/),
      ]);
    }
  });

  it('allows it in im-sms/send.ts, where the log-event rule still holds', async () => {
    expect(await lint('shared/core/im-sms/send.ts', direct)).toEqual([]);
    const bad =
      "import type { Deps } from '../ports';\nexport const f = (deps: Deps) => deps.log.info('sms.sent', {});\n";
    expect(await lint('shared/core/im-sms/send.ts', bad)).toEqual([
      expect.stringMatching(/^no-restricted-syntax: Log events come from LogEvent/),
    ]);
  });
});

describe('no way around the import rules at run time', () => {
  it.each([
    ['shared/core/judgement/example.ts', "export const load = () => import('../../adapters/dynamo');\n"],
    ['shared/core/judgement/example.ts', "export const sdk = import('@aws-sdk/client-dynamodb');\n"],
    ['shared/core/im-sms/send.ts', "export const load = () => import('twilio');\n"],
    ['functions/example.ts', "export const load = () => import('../shared/adapters/dynamo');\n"],
  ])('refuses a dynamic import() in %s', async (file, code) => {
    expect(await lint(file, code)).toContainEqual(
      expect.stringMatching(/^no-restricted-syntax: No dynamic import/),
    );
  });

  it('refuses require() in the core', async () => {
    const code =
      "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const sdk = require('ws');\n";
    expect(await lint('shared/core/judgement/example.ts', code)).toContainEqual(
      expect.stringMatching(/^no-restricted-syntax: No require/),
    );
  });
});

describe('the handler boundary', () => {
  it('refuses an adapter imported by a handler, and allows the runtime', async () => {
    expect(
      await lint(
        'functions/example.ts',
        "import { dynamoStores } from '../shared/adapters/dynamo';\nexport const x = dynamoStores;\n",
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: .*Handlers get adapters from the runtime/)]);
    expect(
      await lint(
        'functions/example.ts',
        "import { getDeps } from '../shared/runtime/deps';\nexport const x = getDeps;\n",
      ),
    ).toEqual([]);
  });

  it('lets the runtime and adapters import what the core may not', async () => {
    const code =
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const x = DynamoDBClient;\n";
    expect(await lint('shared/adapters/example.ts', code)).toEqual([]);
  });
});
