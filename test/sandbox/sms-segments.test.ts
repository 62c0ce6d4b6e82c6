import { characterCount, countSegments } from '../../infra/local/sandbox/sms-segments';

describe('countSegments', () => {
  it.each([
    ['160 GSM-7 characters', 'a'.repeat(160), 1],
    ['161 GSM-7 characters', 'a'.repeat(161), 2],
    ['306 GSM-7 characters', 'a'.repeat(306), 2],
    ['307 GSM-7 characters', 'a'.repeat(307), 3],
    ['80 extension characters (two septets each)', '€'.repeat(80), 1],
    ['81 extension characters', '€'.repeat(81), 2],
    ['70 UCS-2 characters', '你'.repeat(70), 1],
    ['71 UCS-2 characters', '你'.repeat(71), 2],
    ['one non-GSM character among GSM ones', 'a'.repeat(70) + '你', 2],
  ])('counts %s', (_name, body, segments) => {
    expect(countSegments(body)).toBe(segments);
  });
});

describe('characterCount', () => {
  // Issue 14 item 5: Twilio's 1,600-character limit counts UTF-16 code units, so an emoji counts 2.
  it('counts in UTF-16 code units, as Twilio’s limit does: an emoji is 2', () => {
    expect(characterCount('a😀')).toBe(3);
    expect(characterCount('😀'.repeat(1000))).toBe(2000);
    expect(characterCount('中文')).toBe(2);
  });
});
