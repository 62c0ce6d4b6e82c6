import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as z from 'zod/mini';
import type { DomainError } from '../../shared/core/errors';
import * as frames from '../../shared/runtime/frames';
import { parseFrame } from '../../shared/runtime/frames';

/**
 * Every code the frame parser can answer an added action with is one docs/protocol.md lists for it: each field
 * of each added frame, missing or of the wrong type, through the parser the handlers use. (The core's refusals
 * are tried through the real stack in test/e2e/route-answers.test.ts.)
 */
const PROTOCOL = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'protocol.md'), 'utf8');
const codesOf = (bullet: RegExp) =>
  new Set([...(bullet.exec(PROTOCOL)?.[1] ?? '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
const ADDED = codesOf(/- Error codes of the added actions:([\s\S]*?)\n- /);
const INVITE = codesOf(/- Error codes of `invite` \*\*\(added\)\*\*,([\s\S]*?)\n\n/);

const added: Array<[string, z.ZodMiniType, Record<string, unknown>, Set<string>]> = [
  ['getContacts', frames.getContactsFrame, { since: 1, cursor: 'im#1234', limit: 5 }, ADDED],
  ['addContact', frames.addContactFrame, { imNumber: '12345678' }, ADDED],
  ['addContact', frames.addContactFrame, { phone: '+14155550100', name: 'Dana' }, ADDED],
  ['removeContact', frames.removeContactFrame, { imNumber: '12345678' }, ADDED],
  ['removeContact', frames.removeContactFrame, { phone: '+14155550100' }, ADDED],
  ['updateProfile', frames.updateProfileFrame, { name: 'alice', mood: 'hi', avatarUrl: 'https://a.test/' }, ADDED],
  ['history', frames.historyFrame, { with: '12345678', before: '000000000000000#abc', limit: 5 }, ADDED],
  ['invite', frames.inviteFrame, { phone: '+14155550100', name: 'Dana' }, INVITE],
];

const codeOf = (schema: z.ZodMiniType, frame: object): string => {
  try {
    parseFrame(schema, JSON.stringify(frame));
    return 'accepted';
  } catch (err) {
    return (err as DomainError).code;
  }
};

it('the lists are found in protocol.md', () => {
  expect(ADDED).toContain('invalid_recipient');
  expect(INVITE).toContain('invalid_phone');
});

describe.each(added)('%s', (action, schema, good, listed) => {
  it('a good frame is accepted', () => {
    expect(codeOf(schema, { action, ...good })).toBe('accepted');
  });
  it.each(Object.keys(good))('%s missing or of the wrong type: a listed code', (field) => {
    const without = Object.fromEntries(Object.entries(good).filter(([k]) => k !== field));
    for (const frame of [without, { ...good, [field]: {} }, { ...good, [field]: 'not valid ~' }]) {
      const code = codeOf(schema, { action, ...frame });
      if (code !== 'accepted') expect([field, code, listed.has(code)]).toEqual([field, code, true]);
    }
  });
});
