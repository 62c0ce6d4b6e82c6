/**
 * `npm run twilio:wire -- --outputs cdk-outputs.json --numbers +1…,+1… [--apply] [--put-secret] [--rotate]`
 * (`--help` lists the flags; USAGE below).
 *
 * Points each service number's webhooks at the deployed stack through Twilio's IncomingPhoneNumbers API: SmsUrl
 * (the stack's SmsWebhookUrl) and VoiceUrl (VoiceWebhookUrl), both POST. Parameter names:
 * https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource
 * It lists the number by its PhoneNumber, compares, prints what would change, and changes it only with --apply
 * (a dry run by default). Running it again changes nothing (idempotent).
 *
 * It leaves the number's call StatusCallback alone, on purpose: that callback reports the inbound call's own
 * status (answered by the voice webhook, so `completed`), with its CallSid, From and To, but not whom the IVR
 * dialled, which travels only in the signed URL of the <Dial action> (the functions keep no call state). Every
 * outcome the service acts on comes from there: a dial that ends no-answer, busy or failed is the missed-call
 * notice (POST /twilio/voice/dial-status, docs/ivr.md). A call that ends before any <Dial> (refused, or the
 * caller hangs up during the prompt) rang nobody, so there is no one to tell. No route takes a call status.
 * (IncomingPhoneNumbers has no SMS status callback either: an SMS's is set per message, when it is sent.)
 *
 * Inputs: the stack outputs, either `cdk deploy --outputs-file` JSON (`--outputs FILE`) or
 * `aws cloudformation describe-stacks` JSON (`--stack-json FILE`); the numbers (`--numbers`, else SERVICE_NUMBERS);
 * Twilio credentials from TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (never on the command line); `--api-base`
 * (default https://api.twilio.com; the tests point it at the local sandbox).
 * `--put-secret` also writes {"accountSid","authToken"} into the stack's TwilioSecretArn secret with the AWS SDK,
 * under the caller's AWS credentials, when it holds something else (shown first; written with --apply).
 * `--rotate` (implies --put-secret) keeps the token the secret held as "previousAuthToken", for a rotation without
 * refused webhooks (docs/deploy.md). The tests run both against a local fake of Secrets Manager.
 * Flags are parsed by node's util.parseArgs, strictly: an unknown flag, a flag without its value, or a stray
 * argument is refused (exit 2) before anything is read.
 * Exit codes: 0 done (or nothing to do, or --help), 1 a Twilio or AWS error, 2 bad input.
 */
import { readFileSync } from 'node:fs';
import { parseArgs as parseNodeArgs } from 'node:util';

export interface WireOptions {
  outputs: Record<string, string>;
  numbers: string[];
  accountSid: string;
  authToken: string;
  apiBase: string;
  apply: boolean;
  putSecret: boolean;
  /** With putSecret: keep the token the secret holds now as previousAuthToken (a rotation under way). */
  rotate: boolean;
}

/** One field of one number to change: Twilio's parameter name, the value now, the value wanted. */
export interface Change {
  number: string;
  sid: string;
  field: string;
  from: string;
  to: string;
}

export class WireError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/** The stack's outputs from `cdk deploy --outputs-file` JSON ({stack: {key: value}}) or describe-stacks JSON. */
export function parseOutputs(json: unknown): Record<string, string> {
  const doc = json as { Stacks?: { Outputs?: { OutputKey: string; OutputValue: string }[] }[] };
  if (doc && Array.isArray(doc.Stacks)) {
    if (doc.Stacks.length !== 1) throw new WireError('describe-stacks JSON must hold exactly one stack', 2);
    return Object.fromEntries((doc.Stacks[0].Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  }
  const stacks = Object.values((json ?? {}) as Record<string, Record<string, string>>);
  if (stacks.length !== 1 || typeof stacks[0] !== 'object')
    throw new WireError('the outputs file must hold exactly one stack', 2);
  return stacks[0];
}

/** What each number's webhook fields must be, from the outputs. */
function wanted(outputs: Record<string, string>): Record<string, string> {
  const sms = outputs.SmsWebhookUrl;
  const voice = outputs.VoiceWebhookUrl;
  if (!sms || !/^https:\/\//.test(sms) || !voice || !/^https?:\/\//.test(voice))
    throw new WireError('the outputs need SmsWebhookUrl and VoiceWebhookUrl (https URLs)', 2);
  return { SmsUrl: sms, SmsMethod: 'POST', VoiceUrl: voice, VoiceMethod: 'POST' };
}

/** Each parameter Twilio takes on update, and the resource's JSON key that shows its value. */
const FIELD_KEYS: Record<string, string> = {
  SmsUrl: 'sms_url',
  SmsMethod: 'sms_method',
  VoiceUrl: 'voice_url',
  VoiceMethod: 'voice_method',
};

async function twilio(opts: WireOptions, method: 'GET' | 'POST', path: string, form?: URLSearchParams) {
  const url = `${opts.apiBase}/2010-04-01/Accounts/${opts.accountSid}${path}`;
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`,
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form?.toString(),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok)
    throw new WireError(`Twilio ${method} ${path}: HTTP ${res.status} code ${String(body.code)}`, 1);
  return body;
}

/**
 * Computes the changes for every number and, with `apply`, makes them (one POST per number with changes).
 * Returns the changes (empty: everything already points at the stack). Throws WireError.
 */
export async function wire(opts: WireOptions, print: (line: string) => void): Promise<Change[]> {
  const want = wanted(opts.outputs);
  if (opts.numbers.length === 0) throw new WireError('no service numbers (--numbers or SERVICE_NUMBERS)', 2);
  const changes: Change[] = [];
  for (const number of opts.numbers) {
    const list = await twilio(
      opts,
      'GET',
      `/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(number)}`,
    );
    const found = (list.incoming_phone_numbers ?? []) as Record<string, string>[];
    if (found.length !== 1) throw new WireError(`${number} is not a number of this Twilio account`, 1);
    const current = found[0];
    const mine = Object.entries(want)
      .filter(([field, value]) => (current[FIELD_KEYS[field]] ?? '') !== value)
      .map(([field, to]) => ({
        number,
        sid: current.sid,
        field,
        from: current[FIELD_KEYS[field]] ?? '',
        to,
      }));
    for (const c of mine) print(`${c.number} ${c.field}: ${c.from || '(empty)'} → ${c.to}`);
    if (mine.length > 0 && opts.apply) {
      await twilio(
        opts,
        'POST',
        `/IncomingPhoneNumbers/${current.sid}.json`,
        new URLSearchParams(mine.map((c) => [c.field, c.to])),
      );
    }
    changes.push(...mine);
  }
  if (changes.length === 0) print('Every number already points at the stack: nothing to change.');
  else
    print(
      opts.apply ? `Changed ${changes.length} field(s).` : 'Dry run: pass --apply to make these changes.',
    );
  if (opts.putSecret) await putSecret(opts, print);
  return changes;
}

/** The Twilio secret's JSON as the functions read it (shared/runtime/secrets.ts). */
interface TwilioSecret {
  accountSid?: string;
  authToken?: string;
  previousAuthToken?: string;
}

/**
 * Puts the Twilio credentials into the stack's secret (TwilioSecretArn), under the caller's AWS credentials (the
 * SDK's usual chain; AWS_ENDPOINT_URL_SECRETS_MANAGER points it elsewhere, as the tests do). It reads the secret
 * first and writes only when the value would change, so a second run writes nothing. With `rotate`, the token
 * the secret held is kept as `previousAuthToken`: webhooks signed with it are still accepted until the new token
 * is promoted in Twilio and this runs again without --rotate (docs/deploy.md, "Rotate the Twilio auth token").
 * Without `apply` it only says whether it would write. Never prints a token.
 */
async function putSecret(opts: WireOptions, print: (line: string) => void): Promise<void> {
  const arn = opts.outputs.TwilioSecretArn;
  if (!arn || !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:/.test(arn))
    throw new WireError('the outputs have no TwilioSecretArn (a Secrets Manager secret ARN)', 2);
  const { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand } =
    await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({ region: arn.split(':')[3] });
  try {
    const now = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    let current: TwilioSecret = {};
    try {
      current = JSON.parse(now.SecretString ?? '{}') as TwilioSecret;
    } catch {
      // not JSON (yet): replaced below
    }
    const previous = opts.rotate
      ? current.authToken && current.authToken !== opts.authToken
        ? current.authToken
        : current.previousAuthToken
      : undefined;
    const next: TwilioSecret = {
      accountSid: opts.accountSid,
      authToken: opts.authToken,
      ...(previous ? { previousAuthToken: previous } : {}),
    };
    const same =
      current.accountSid === next.accountSid &&
      current.authToken === next.authToken &&
      current.previousAuthToken === next.previousAuthToken;
    if (same) {
      print('The stack secret already holds these Twilio credentials: nothing to write.');
      return;
    }
    const what = previous
      ? 'the Twilio credentials, keeping the previous auth token for webhook signatures until you promote the new one'
      : 'the Twilio credentials';
    if (!opts.apply) {
      print(`Secret ${arn}: would write ${what} (pass --apply).`);
      return;
    }
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify(next) }));
    print(`Secret ${arn}: wrote ${what}. Functions use it within a minute (their secrets cache's max age).`);
  } catch (err) {
    if (err instanceof WireError) throw err;
    throw new WireError(`Secrets Manager: ${describeFailure(err)}`, 1);
  } finally {
    client.destroy();
  }
}

/** The --help text: every flag, the environment it reads, the exit codes. */
export const USAGE = `Usage: npm run twilio:wire -- (--outputs FILE | --stack-json FILE) [options]

Points each service number's SMS and voice webhooks at the deployed stack (Twilio IncomingPhoneNumbers API).
A dry run by default: it prints what differs and changes nothing without --apply. A second run changes nothing.

  --outputs FILE      the stack outputs from \`cdk deploy --outputs-file FILE\` (npm run deploy writes cdk-outputs.json)
  --stack-json FILE   or the JSON of \`aws cloudformation describe-stacks --stack-name Imsms\`
  --numbers LIST      the service numbers, E.164, comma-separated (default: SERVICE_NUMBERS)
  --api-base URL      Twilio's API base (default https://api.twilio.com; the local sandbox: http://localhost:3000)
  --apply             make the changes (without it: a dry run)
  --put-secret        also write {accountSid, authToken} into the stack's TwilioSecretArn secret (AWS credentials)
  --rotate            like --put-secret, keeping the secret's old token as previousAuthToken (token rotation)
  -h, --help          print this and exit

Environment: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (required; never passed as flags, never printed),
SERVICE_NUMBERS (when --numbers is not given), the usual AWS credentials and region for --put-secret.
Exit codes: 0 done or nothing to do, 1 a Twilio or AWS error, 2 bad input.
See docs/deploy.md, "Point Twilio at the webhooks".
`;

/** Every flag util.parseArgs accepts (USAGE describes each). */
export const FLAGS = {
  outputs: { type: 'string' },
  'stack-json': { type: 'string' },
  numbers: { type: 'string' },
  'api-base': { type: 'string' },
  apply: { type: 'boolean' },
  'put-secret': { type: 'boolean' },
  rotate: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** util.parseArgs, strict; its errors (unknown flag, missing value, stray argument) become WireError(2). */
function flagsOf(argv: string[]) {
  try {
    return parseNodeArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new WireError(err instanceof Error ? err.message.split('\n')[0] : 'bad arguments', 2);
  }
}

/**
 * Reads argv (flags only; USAGE lists them) and the environment into options, or `'help'` for -h/--help (then
 * nothing else is checked). Throws WireError(2) on bad input: an unknown flag, a flag without its value, a stray
 * argument, both or neither of --outputs and --stack-json, an unreadable file, a number that is not E.164, or
 * missing Twilio credentials.
 */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): WireOptions | 'help' {
  const flags = flagsOf(argv);
  if (flags.help) return 'help';
  if (flags.outputs !== undefined && flags['stack-json'] !== undefined)
    throw new WireError('pass either --outputs or --stack-json, not both', 2);
  const file = flags.outputs ?? flags['stack-json'];
  if (!file) throw new WireError('pass --outputs FILE (cdk deploy --outputs-file) or --stack-json FILE', 2);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new WireError(`cannot read JSON from ${file}`, 2);
  }
  const numbers = (flags.numbers ?? env.SERVICE_NUMBERS ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const bad = numbers.find((n) => !/^\+[1-9]\d{6,14}$/.test(n));
  if (bad !== undefined) throw new WireError('--numbers must be E.164 numbers, comma-separated', 2);
  const accountSid = env.TWILIO_ACCOUNT_SID ?? '';
  const authToken = env.TWILIO_AUTH_TOKEN ?? '';
  if (!/^AC[0-9a-f]{32}$/i.test(accountSid) || !authToken)
    throw new WireError('set TWILIO_ACCOUNT_SID (AC…) and TWILIO_AUTH_TOKEN', 2);
  const apiBase = (flags['api-base'] ?? 'https://api.twilio.com').replace(/\/$/, '');
  if (!/^https?:\/\/[^\s/]+$/.test(apiBase))
    throw new WireError('--api-base must be an http(s) URL with no path (e.g. https://api.twilio.com)', 2);
  return {
    outputs: parseOutputs(json),
    numbers,
    accountSid,
    authToken,
    apiBase,
    apply: flags.apply ?? false,
    putSecret: Boolean(flags['put-secret'] || flags.rotate),
    rotate: flags.rotate ?? false,
  };
}

/** An Error-like value (duck-typed: errors of another realm, such as Node's under jest's vm, are not instanceof). */
type ErrorLike = { name?: unknown; message: string; code?: unknown; cause?: unknown; errors?: unknown };
const asError = (v: unknown): ErrorLike | null =>
  typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string'
    ? (v as ErrorLike)
    : null;

/** The network reason of one cause: its code (`ECONNREFUSED`), else its message (`bad port`); '' for none. */
function reasonOf(cause: unknown): string {
  const e = asError(cause);
  if (!e) return '';
  return typeof e.code === 'string' && e.code ? e.code : e.message.slice(0, 200);
}

/**
 * A failure as one line an operator can act on: the error's name and message, and its network cause (e.g.
 * `TypeError: fetch failed (ECONNREFUSED)` for an API base nothing listens on). A cause that is an
 * AggregateError (Node tried each address of a name, say `localhost`'s ::1 and 127.0.0.1) is described by its
 * errors: `(ECONNREFUSED ::1:1, ECONNREFUSED 127.0.0.1:1)`, so the line never ends at a bare `fetch failed`; a
 * cause without a code gives its message (`bad port`). Neither carries a credential: the tokens go in headers
 * and the secret's value, never in a URL or an error.
 */
export function describeFailure(err: unknown): string {
  const e = asError(err);
  if (!e) return 'error';
  const cause = asError(e.cause);
  let reason = reasonOf(cause);
  if (cause && Array.isArray(cause.errors) && cause.errors.length > 0) {
    const parts = cause.errors.map((inner: unknown) => {
      const where = (asError(inner) ?? {}) as { address?: unknown; port?: unknown };
      const r = reasonOf(inner);
      return typeof where.address === 'string' ? `${r} ${where.address}:${String(where.port)}` : r;
    });
    reason = [...new Set(parts.filter(Boolean))].join(', ');
  }
  return `${typeof e.name === 'string' ? e.name : 'Error'}: ${e.message}${reason ? ` (${reason})` : ''}`;
}

if (require.main === module) {
  const print = (line: string) => process.stdout.write(line + '\n');
  (async () => {
    try {
      const options = parseArgs(process.argv.slice(2), process.env);
      if (options === 'help') process.stdout.write(USAGE);
      else await wire(options, print);
    } catch (err) {
      if (err instanceof WireError) {
        // Bad input (exit 2) points at the flags' list.
        process.stderr.write(`twilio:wire: ${err.message}${err.exitCode === 2 ? ' (see --help)' : ''}\n`);
        process.exitCode = err.exitCode;
      } else {
        process.stderr.write(`twilio:wire: ${describeFailure(err)}\n`);
        process.exitCode = 1;
      }
    }
  })();
}
