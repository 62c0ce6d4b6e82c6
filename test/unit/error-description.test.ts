import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { TwilioSmsProvider } from '../../shared/adapters/twilio-sms';
import { SmsSendError } from '../../shared/core/ports';
import { createLogger } from '../../shared/adapters/logger';
import {
  describeError,
  MAX_CAUSE_DEPTH,
  MAX_ERROR_MESSAGE_CHARS,
  MAX_STACK_FRAMES,
  scrubText,
} from '../../shared/adapters/error-description';

/**
 * What a crash log says about an error: its name, a scrubbed message, the stack's frames, the cause chain and an
 * AWS SDK error's metadata; never a phone, a code, a token or a message text.
 */
describe('scrubText', () => {
  it.each([
    ['an E.164 phone', 'no route to +14155550123 today', '+14155550123'],
    ['a phone without +', 'no route to 14155550123', '14155550123'],
    ['a national number with separators', 'call (415) 555-0123 now', '555-0123'],
    ['a phone with spaces', 'to +44 20 7946 0958 failed', '7946'],
    ['a 6-digit code', 'code 482913 was wrong', '482913'],
    ['an imNumber', 'user 11112222 not found', '11112222'],
    ['a JWT', 'bad eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_nature-1', 'eyJ'],
    ['a Twilio auth token', 'auth 0123456789abcdef0123456789abcdef refused', '0123456789abcdef'],
    ['an e-mail address', 'sent to alice@example.com', 'alice@example.com'],
    ['a quoted text', 'Unexpected token, "meet me at the usual place" is not valid', 'usual place'],
    ['a single-quoted word', "Unexpected token 'hello'", 'hello'],
    ['a text=… value', 'Item text=hello, rest', 'hello'],
    ['a body: … value', 'body: secret-words and more', 'secret-words'],
    ['a token in a query string', 'GET /x?token=abcDEF&y=1', 'abcDEF'],
  ])('removes %s', (_what, input, leaked) => {
    const out = scrubText(input);
    expect(out).not.toContain(leaked);
    expect(out).toContain('[redacted]');
  });

  it.each([
    ['an English message', 'The conditional request failed', 'The conditional request failed'],
    [
      'an AWS error name',
      'ProvisionedThroughputExceededException: Rate exceeded',
      'ProvisionedThroughputExceededException: Rate exceeded',
    ],
    [
      'a quoted code identifier',
      "Cannot read properties of undefined (reading 'connectionId')",
      "(reading 'connectionId')",
    ],
    ['a short status number', 'HTTP 503 from upstream', 'HTTP 503'],
  ])('keeps %s', (_what, input, kept) => {
    expect(scrubText(input)).toContain(kept);
  });

  it('folds whitespace and cuts a long message at MAX_ERROR_MESSAGE_CHARS code points, an emoji counting one', () => {
    expect(scrubText('a\n\n  b\tc')).toBe('a b c');
    const cut = scrubText('😀'.repeat(MAX_ERROR_MESSAGE_CHARS + 10));
    expect([...cut]).toHaveLength(MAX_ERROR_MESSAGE_CHARS + 1);
    expect(cut.endsWith('…')).toBe(true);
  });
});

describe('describeError', () => {
  const phone = '+14155550123';
  const code = '482913';
  const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl';
  const text = 'see you at the usual place';

  function sdkError(): Error {
    const cause = Object.assign(new Error(`socket hang up sending to ${phone}`), { code: 'ECONNRESET' });
    return Object.assign(
      new Error(`Item {"phone":"${phone}","text":"${text}","code":"${code}"} token=${token} failed`, {
        cause,
      }),
      {
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, requestId: 'A1B2C3D4-REQ', attempts: 3 },
      },
    );
  }

  it('gives the name, the scrubbed message, the frames, the cause and the AWS SDK metadata', () => {
    const d = describeError(sdkError());
    expect(d).toMatchObject({
      error: 'ValidationException',
      httpStatusCode: 400,
      fault: 'client',
      requestId: 'A1B2C3D4-REQ',
      attempts: 3,
      cause: { error: 'Error', code: 'ECONNRESET', errorMessage: 'socket hang up sending to [redacted]' },
    });
    expect(d.errorMessage).toMatch(/^Item \{.*\} token=\[redacted\] failed$/);
    // The frames, innermost first: this file, with its line and column.
    expect(d.stack![0]).toMatch(/^at .*error-description\.test\.ts:\d+:\d+\)?$/);
    expect(d.stack!.length).toBeLessThanOrEqual(MAX_STACK_FRAMES);
    expect(d.cause!.stack).toBeUndefined();
  });

  it('holds no phone, code, token or text anywhere', () => {
    const line = JSON.stringify(describeError(sdkError()));
    for (const secret of [phone, phone.slice(1), phone.slice(2), code, token, 'eyJ', 'usual place'])
      expect(line).not.toContain(secret);
  });

  it('scrubs the stack’s frames too (a function name can hold anything), keeping their locations', () => {
    const err = new Error('x');
    err.stack = `Error: x ${phone}\n    at call ${phone} (/var/task/index.js:1:23456)\n    at /var/task/index.js:2:3`;
    const d = describeError(err);
    expect(d.stack).toEqual(['at call [redacted] (/var/task/index.js:1:23456)', 'at /var/task/index.js:2:3']);
  });

  it('follows the cause chain MAX_CAUSE_DEPTH deep, no further (a cycle ends too)', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    let d = describeError(a);
    let depth = 0;
    while (d.cause) {
      d = d.cause;
      depth++;
    }
    expect(depth).toBe(MAX_CAUSE_DEPTH);
  });

  it('describes whatever was thrown, never throwing itself', () => {
    expect(describeError(`no ${phone}`)).toEqual({ error: 'string', errorMessage: 'no [redacted]' });
    expect(describeError(null)).toEqual({ error: 'null' });
    expect(describeError(undefined)).toEqual({ error: 'undefined' });
    expect(describeError({ code: 42 })).toEqual({ error: 'Error', code: '42' });
    const hostile = {
      get name(): string {
        throw new Error('boom');
      },
    };
    expect(describeError(hostile)).toEqual({ error: 'Error' });
  });
});

describe("the logger's `err` field (how the core logs a failure it survives)", () => {
  it('is logged described and scrubbed: name, message, stack; never the raw error or its personal data', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    const err = new Error('push to +14155550123 failed for "see you at noon"', {
      cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    });
    log.warn('message.im_push_failed', { messageId: 'm-1', err });

    const line = JSON.parse(lines.find((l) => l.includes('im_push_failed'))!);
    expect(line).toMatchObject({
      event: 'message.im_push_failed',
      messageId: 'm-1',
      error: 'Error',
      errorMessage: expect.stringContaining('push to'),
      stack: expect.any(Array),
      cause: { error: 'Error', code: 'ECONNRESET', errorMessage: 'socket hang up' },
    });
    expect(line.err).toBeUndefined();
    expect(lines.join('\n')).not.toMatch(/4155550123|see you at noon/);
  });
});

describe('a provider that cannot be reached', () => {
  it('fails with the network error as its cause, so the failure line says it was refused', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const provider = new TwilioSmsProvider({
      accountSid: 'AC' + '0'.repeat(32),
      authToken: 'token',
      baseUrl: `http://127.0.0.1:${port}`,
    });
    const request = { from: '+15005550100', to: '+14155550100', body: 'hi' };
    const sent = await provider.send(request).catch((e: unknown) => e);
    expect(sent).toBeInstanceOf(SmsSendError);
    expect(describeError(sent)).toMatchObject({ cause: { cause: { code: 'ECONNREFUSED' } } });
    const looked = await provider.find(request, 0).catch((e: unknown) => e);
    expect(JSON.stringify(describeError(looked))).toContain('ECONNREFUSED');
  });
});
