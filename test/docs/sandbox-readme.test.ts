import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NUMBER_FIELDS } from '../../infra/local/sandbox/rest-api';

/**
 * infra/local/sandbox/README.md is the sandbox's reference: it lists every Twilio REST resource the sandbox
 * serves (IncomingPhoneNumbers included, which `npm run twilio:wire` uses), the fields a number's update takes,
 * what it keeps across restarts, and every log event its code writes.
 */
const DIR = path.resolve(__dirname, '..', '..', 'infra', 'local', 'sandbox');
const readme = readFileSync(path.join(DIR, 'README.md'), 'utf8');

describe('the sandbox README', () => {
  it('lists the IncomingPhoneNumbers resources beside Messages and the Account', () => {
    for (const resource of [
      'Messages.json',
      'Messages/{SM…}.json',
      'Accounts/{sid}.json',
      'IncomingPhoneNumbers.json',
      'IncomingPhoneNumbers/{PN…}.json',
    ])
      expect(readme).toContain(resource);
  });

  it.each([...NUMBER_FIELDS])('names the number field %s', (field) => {
    expect(readme).toContain(`\`${field}\``);
  });

  it('says the numbers’ settings are kept across restarts, in numbers.json', () => {
    expect(readme).toContain('`numbers.json`');
  });

  it('lists every log event the sandbox writes', () => {
    const written = new Set<string>();
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts')))
      for (const [, event] of readFileSync(path.join(DIR, file), 'utf8').matchAll(/log\('(sandbox\.[a-z_.]+)'/g))
        written.add(event);
    expect(written.size).toBeGreaterThan(5);
    const missing = [...written].filter((event) => !readme.includes(`\`${event} `));
    expect(missing).toEqual([]);
  });
});
