import fc from 'fast-check';
import { anyJsonishValue } from './frames';

/** Bodies a client could POST to /auth/start or /auth/verify: noise, JSON of any shape, near-valid requests. */
export function authBodyArbitrary(): fc.Arbitrary<string> {
  const anyValue = anyJsonishValue(40);
  const phone = fc.oneof(
    anyValue,
    fc.stringMatching(/^\+1415555[0-9]{4}$/),
    fc.stringMatching(/^\+86138[0-9]{8}$/),
    fc.stringMatching(/^\+44[0-9]{10}$/),
    fc.stringMatching(/^[+0-9 ()-]{0,20}$/),
    fc.constantFrom('+1', '+', '', ' +14155550100 ', '+1415555010\u0000', '+１４１５５５５０１００'),
  );
  const code = fc.oneof(anyValue, fc.stringMatching(/^[0-9]{6}$/), fc.stringMatching(/^[0-9]{0,8}$/));
  const name = fc.oneof(
    anyValue,
    fc.constantFrom('alice', 'x<img src=x onerror=alert(1)>', 'u123', '张三', 'a'.repeat(33), '', ' bob '),
  );
  const nearValid = fc
    .record({ phone, code, name, extra: anyValue }, { requiredKeys: [] })
    .map((o) => JSON.stringify(o));
  return fc.oneof(
    nearValid,
    nearValid,
    nearValid,
    fc.string({ maxLength: 100 }),
    fc.json({ maxDepth: 3 }),
    fc.constantFrom('', 'null', '[]', '"x"', '{', '{"phone":', '{"__proto__":{"phone":"+14155550100"}}'),
  );
}

/** True when `text` is the contract's error body: `{"error":{"code","message"}}` with non-empty strings. */
export function isErrorBody(text: string): boolean {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return (
      typeof body.error?.code === 'string' &&
      body.error.code !== '' &&
      typeof body.error.message === 'string' &&
      body.error.message !== ''
    );
  } catch {
    return false;
  }
}
