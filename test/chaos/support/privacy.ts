import { randomBytes } from 'node:crypto';

/**
 * What a run handed the system that must never show up in its logs: phone numbers, the OTP codes it was sent,
 * and the texts of messages. Tests register each one as they use it; `findLeaks` then reads every log line.
 */
export class Secrets {
  readonly phones = new Set<string>();
  readonly codes = new Set<string>();
  readonly texts = new Set<string>();

  phone(e164: string): string {
    this.phones.add(e164);
    return e164;
  }

  code(code: string): string {
    this.codes.add(code);
    return code;
  }

  /** Registers a message text (it should carry a `marker()`, so a leak of it is found cheaply). */
  text(text: string): string {
    this.texts.add(text);
    return text;
  }
}

/**
 * A token that goes into every message text a chaos test sends: `~pv`, 10 base-36 characters and `~`. Ids are
 * base64url, which has no `~`, so a log line holding one holds (part of) a message body.
 */
export function marker(): string {
  const bytes = randomBytes(10);
  return `~pv${[...bytes].map((b) => (b % 36).toString(36)).join('')}~`;
}
const MARKER = /~pv[0-9a-z]{10}~/;

/** Phrases only an SMS body carries: the OTP message and the service's own replies. */
const SMS_PHRASES = ['Your IM code', 'It expires in 10 minutes', 'You are unsubscribed', 'IM by SMS:'];

export interface Leak {
  line: number;
  kind: 'phone' | 'code' | 'text' | 'marker' | 'sms-body';
  /** What matched, shortened so the report does not itself spread the data further than needed. */
  what: string;
}

/**
 * Every leak of personal data in `lines`. A phone matches as E.164, as its digits without '+', or as its
 * national number (digits after a +1), wherever it sits in a longer run of digits. A code matches as a run of
 * exactly those 6 digits standing alone. A text matches whole (raw or JSON-escaped), and any message marker matches.
 */
export function findLeaks(lines: readonly string[], secrets: Secrets): Leak[] {
  const digitForms = new Set<string>();
  for (const phone of secrets.phones) {
    const digits = phone.replace(/^\+/, '');
    digitForms.add(digits);
    if (digits.startsWith('1') && digits.length === 11) digitForms.add(digits.slice(1));
  }
  const lengths = [...new Set([...digitForms].map((d) => d.length))];
  const texts = [...secrets.texts].filter((t) => t.trim().length >= 6);
  const leaks: Leak[] = [];
  lines.forEach((line, i) => {
    // A code is a number of its own, not 6 digits inside an id (ids are base64url).
    for (const code of line.match(/(?<![\w-])\d{6}(?![\w-])/g) ?? []) {
      if (secrets.codes.has(code)) leaks.push({ line: i, kind: 'code', what: '######' });
    }
    for (const run of line.match(/\d+/g) ?? []) {
      for (const len of lengths) {
        for (let at = 0; at + len <= run.length; at++) {
          if (digitForms.has(run.slice(at, at + len))) {
            leaks.push({ line: i, kind: 'phone', what: `${run.slice(at, at + 3)}…` });
          }
        }
      }
    }
    if (MARKER.test(line)) leaks.push({ line: i, kind: 'marker', what: '~pv…' });
    for (const text of texts) {
      if (line.includes(text) || line.includes(JSON.stringify(text).slice(1, -1))) {
        leaks.push({ line: i, kind: 'text', what: `${text.slice(0, 4)}…` });
      }
    }
    for (const phrase of SMS_PHRASES) {
      if (line.includes(phrase)) leaks.push({ line: i, kind: 'sms-body', what: phrase });
    }
  });
  return leaks;
}

/** Log lines at error level, or events that mean a handler crashed; a chaos run should have none it did not cause. */
export function crashes(lines: readonly string[]): string[] {
  return lines.filter((l) => /"level":"error"|"event":"(handler\.failed|local\.request_failed)"/.test(l));
}
