import type { Node } from 'constructs';

/**
 * Deploy-time settings, from CDK context (`-c key=value` on the command line, or `context` in cdk.json).
 * They are checked here, at synth, with the same rules shared/config.ts applies at cold start, so a bad value
 * fails `cdk synth` instead of every function after the deploy.
 */
export interface Settings {
  /** 'twilio' (default) or 'sns'. The local-only 'sandbox' provider is refused. */
  smsProvider: 'twilio' | 'sns';
  /** E.164 service numbers the SMS leg sends from (SERVICE_NUMBERS). */
  serviceNumbers: string[];
  /** True when `serviceNumbers` was not given and the synth-only placeholder is in use (only with `synthOnly`). */
  serviceNumbersArePlaceholder: boolean;
  /**
   * `synthOnly=true`: a check-only synth (CI, tests) that may use placeholders. Without it, a missing
   * `serviceNumbers` fails the synth, so a deploy or redeploy can never fall back to the placeholder.
   */
  synthOnly: boolean;
  ackTimeoutMs: number;
  smsCountries: string[];
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Keep the table and the secrets when the stack is deleted (default). `retainData=false` is for test stacks. */
  retainData: boolean;
  /** Where alarm notifications go (an SNS topic with an email subscription); none when unset. */
  alarmEmail?: string;
  /** The WebSocket stage; part of WS_ENDPOINT and of the ManageConnections ARN. */
  wsStageName: string;
  /**
   * WebSocket access logs need the account-wide API Gateway CloudWatch role (`AWS::ApiGateway::Account`),
   * which this stack does not own; turn on once the account has it.
   */
  wsAccessLogs: boolean;
  wsThrottle: { rateLimit: number; burstLimit: number };
  httpThrottle: { rateLimit: number; burstLimit: number };
}

/**
 * Twilio's magic test number: valid E.164, useless for real traffic. Used only with `synthOnly=true`; a
 * deployable synth needs the real list (`serviceNumbers` in cdk.json's context, or `-c serviceNumbers=+1…,+1…`).
 */
export const PLACEHOLDER_SERVICE_NUMBER = '+15005550006';

/** Twilio's magic test numbers (https://www.twilio.com/docs/iam/test-credentials): valid E.164, no real SMS. */
const TWILIO_TEST_NUMBER = /^\+1500555\d{4}$/;

export const DEFAULTS = {
  smsProvider: 'twilio',
  ackTimeoutMs: 15000,
  smsCountries: '1,86',
  logLevel: 'info',
  retainData: true,
  wsStageName: 'prod',
  wsAccessLogs: false,
  wsRateLimit: 100,
  wsBurstLimit: 200,
  httpRateLimit: 50,
  httpBurstLimit: 100,
} as const;

const E164 = /^\+[1-9]\d{6,14}$/;
const COUNTRY = /^[1-9]\d{0,2}$/;

export class SettingsError extends Error {
  constructor(key: string, message: string) {
    super(`Invalid context "${key}": ${message}`);
    this.name = 'SettingsError';
  }
}

type Get = (key: string) => unknown;

function str(get: Get, key: string, def: string): string {
  const v = get(key);
  if (v === undefined || v === null || v === '') return def;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new SettingsError(key, 'must be a string');
  }
  return String(v).trim();
}

function bool(get: Get, key: string, def: boolean): boolean {
  const v = str(get, key, String(def)).toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new SettingsError(key, 'must be true or false');
}

function int(get: Get, key: string, def: number, min: number, max: number): number {
  const v = Number(str(get, key, String(def)));
  if (!Number.isInteger(v) || v < min || v > max)
    throw new SettingsError(key, `must be an integer from ${min} to ${max}`);
  return v;
}

function list(get: Get, key: string, def: string, item: RegExp, hint: string): string[] {
  const items = str(get, key, def)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new SettingsError(key, 'must not be empty');
  const bad = items.find((s) => !item.test(s));
  if (bad !== undefined) throw new SettingsError(key, `"${bad}" ${hint}`);
  return items;
}

/**
 * Reads and validates the settings from a construct's context (the App's, normally).
 * Throws SettingsError naming the key: a bad value, or no `serviceNumbers` without `synthOnly=true`.
 */
export function readSettings(node: Pick<Node, 'tryGetContext'>): Settings {
  const get: Get = (key) => node.tryGetContext(key);

  const smsProvider = str(get, 'smsProvider', DEFAULTS.smsProvider);
  if (smsProvider !== 'twilio' && smsProvider !== 'sns') {
    throw new SettingsError('smsProvider', 'must be "twilio" or "sns" ("sandbox" is the local runtime only)');
  }
  const synthOnly = bool(get, 'synthOnly', false);
  const serviceNumbersArePlaceholder = str(get, 'serviceNumbers', '') === '';
  if (serviceNumbersArePlaceholder && !synthOnly) {
    throw new SettingsError(
      'serviceNumbers',
      'missing. A deployable stack needs your service numbers (comma-separated E.164): put ' +
        '"serviceNumbers": "+1…,+1…" under "context" in cdk.json, or pass -c serviceNumbers=+1…,+1… on every ' +
        'deploy. For a check-only synth (CI, tests) pass -c synthOnly=true instead (docs/deploy.md).',
    );
  }
  const serviceNumbers = list(
    get,
    'serviceNumbers',
    PLACEHOLDER_SERVICE_NUMBER,
    E164,
    'must be E.164, like +14155550100',
  );
  // Twilio's magic test numbers (+1 500 555 xxxx) take no real traffic: given explicitly, they are the same
  // silent failure as the placeholder.
  const testNumber = serviceNumbers.find((n) => TWILIO_TEST_NUMBER.test(n));
  if (testNumber && !synthOnly) {
    throw new SettingsError(
      'serviceNumbers',
      `holds ${testNumber}, one of Twilio's test numbers (+1500555…), which carry no real SMS. Use your own ` +
        'numbers, or -c synthOnly=true for a check-only synth.',
    );
  }

  const logLevel = str(get, 'logLevel', DEFAULTS.logLevel);
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new SettingsError('logLevel', 'must be debug, info, warn, error or silent');
  }
  const alarmEmail = str(get, 'alarmEmail', '') || undefined;
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new SettingsError('alarmEmail', 'must be an email address');
  }
  const wsStageName = str(get, 'wsStageName', DEFAULTS.wsStageName);
  if (!/^[A-Za-z0-9_]{1,128}$/.test(wsStageName)) {
    throw new SettingsError('wsStageName', 'must be letters, digits or _');
  }

  return {
    smsProvider,
    serviceNumbers,
    serviceNumbersArePlaceholder,
    synthOnly,
    // The same bounds as shared/config.ts (ACK_TIMEOUT_MS); SQS delays top out at 15 minutes too.
    ackTimeoutMs: int(get, 'ackTimeoutMs', DEFAULTS.ackTimeoutMs, 100, 900000),
    smsCountries: list(
      get,
      'smsCountries',
      DEFAULTS.smsCountries,
      COUNTRY,
      'must be a country calling code, like 1 or 86',
    ),
    logLevel: logLevel as Settings['logLevel'],
    retainData: bool(get, 'retainData', DEFAULTS.retainData),
    alarmEmail,
    wsStageName,
    wsAccessLogs: bool(get, 'wsAccessLogs', DEFAULTS.wsAccessLogs),
    wsThrottle: {
      rateLimit: int(get, 'wsRateLimit', DEFAULTS.wsRateLimit, 1, 10000),
      burstLimit: int(get, 'wsBurstLimit', DEFAULTS.wsBurstLimit, 1, 5000),
    },
    httpThrottle: {
      rateLimit: int(get, 'httpRateLimit', DEFAULTS.httpRateLimit, 1, 10000),
      burstLimit: int(get, 'httpBurstLimit', DEFAULTS.httpBurstLimit, 1, 5000),
    },
  };
}
