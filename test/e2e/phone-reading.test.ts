import { mediaNote } from '../../shared/core/conversion/message-text';
import { REPLIES } from '../../shared/core/im-sms/receive';
import { http, inbox, signUp, type E2eUser } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * The plain-phone side through the whole local stack: the sandbox's simulated phones (their texts and MMS as
 * Twilio's signed webhooks), real WebSockets for the IM side. Addresses read after NFKC, YES on a thread, a
 * phone outside SMS_COUNTRIES, and media.
 */
const e2e = useLocalStack('e2e-phone-reading');

let n = 800;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;
const connect = (user: E2eUser) => e2e.connect(user);
/** A simulated phone texts a service number (with media: an MMS); the sandbox answers with the replies. */
const phoneTexts = async (from: string, body: string, media?: string[]) => {
  const res = await http(e2e.base, 'POST', '/sandbox/sms', {
    from,
    to: e2e.stack.config.serviceNumbers[0],
    body,
    ...(media ? { media } : {}),
  });
  expect(res.status).toBe(201);
  return res.json as { webhookStatus: number; replies: Array<{ body: string }> };
};

it('a full-width ＠name and a zero-width space before @ reach that person, not the thread owner', async () => {
  const alice = await signUp(e2e.base, newPhone(), 'readalice');
  const bob = await signUp(e2e.base, newPhone(), 'readbob');
  const [a, b] = [await connect(alice), await connect(bob)];
  const phone = newPhone();
  await phoneTexts(phone, `@${alice.imNumber} hi alice`);
  await a.waitFor((f) => f.type === 'message' && f.text === 'hi alice');
  await phoneTexts(phone, '\uff20readbob hi bob');
  await phoneTexts(phone, '\u200b@readbob again');
  await b.waitFor((f) => f.type === 'message' && f.text === 'hi bob');
  await b.waitFor((f) => f.type === 'message' && f.text === 'again');
  expect(b.frames.filter((f) => f.type === 'message').map((f) => f.text)).toHaveLength(2);
  expect(a.frames.filter((f) => f.type === 'message').map((f) => f.text)).toEqual(['hi alice']);
});

it('YES on a thread from a phone that never opted out reaches the contact, with no reply', async () => {
  const alice = await signUp(e2e.base, newPhone());
  const a = await connect(alice);
  const phone = newPhone();
  await phoneTexts(phone, `@${alice.imNumber} can we meet?`);
  const yes = await phoneTexts(phone, 'Yes');
  expect(yes.replies).toEqual([]);
  await a.waitFor((f) => f.type === 'message' && f.text === 'Yes');
});

it('a phone outside SMS_COUNTRIES gets no SMS back at all', async () => {
  const alice = await signUp(e2e.base, newPhone());
  const uk = '+447700900789';
  for (const body of [`@${alice.imNumber} hello`, 'HELP', 'hi there', 'STOP', 'START']) {
    const res = await phoneTexts(uk, body);
    expect([body, res.webhookStatus, res.replies]).toEqual([body, 200, []]);
  }
  expect(await inbox(e2e.base, uk)).toEqual([]);
});

it('an MMS: media alone is answered that only text is carried; text with media arrives with a note', async () => {
  const alice = await signUp(e2e.base, newPhone());
  const a = await connect(alice);
  const phone = newPhone();
  await phoneTexts(phone, `@${alice.imNumber} first`);
  const alone = await phoneTexts(phone, '', ['image/jpeg']);
  expect(alone.replies.map((r) => r.body)).toEqual([REPLIES.mediaOnly]);
  await phoneTexts(phone, 'with pictures', ['image/jpeg', 'image/png']);
  await a.waitFor((f) => f.type === 'message' && f.text.startsWith('with pictures'));
  await a.waitFor((f) => f.type === 'message' && f.text === 'first');
  expect(
    a.frames
      .filter((f) => f.type === 'message')
      .map((f) => f.text)
      .sort(),
  ).toEqual(['first', `with pictures\n${mediaNote(2)}`]);
});
