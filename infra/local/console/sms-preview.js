// What a text costs if it goes as SMS, counted by the project's own encoder (served from shared/core/rules.ts).
import { countSegments, encodeSms, formatSmsBody, defaultName } from './rules.js';

/**
 * The body the router would text if this IM falls back to SMS (the `name @imNumber: ` prefix, GSM-7
 * normalisation, truncation), with its encoding and segments: { body, encoding, segments, units, normalized }.
 */
export function imFallbackSms(user, text) {
  const encoded = encodeSms(formatSmsBody(user.name || defaultName(user.imNumber), user.imNumber, text));
  return encoded;
}

/** A phone's SMS as it is sent (phones do not normalise): { encoding, segments, units }. */
export function phoneSms(text) {
  return countSegments(text);
}

/** "151 units · 3 SMS · UCS-2" for a count; "empty" for nothing. */
export function counterText({ encoding, segments, units }) {
  if (segments === 0) return 'empty · GSM-7';
  return `${units} ${encoding === 'GSM-7' ? 'chars' : 'units'} · ${segments} SMS · ${encoding}`;
}
