import { countSegments as countEncoded } from '../../../shared/core/conversion/sms-encoding';

/**
 * How many SMS segments a body is billed as, the way Twilio counts them (GSM-7 160/153 septets, UCS-2 70/67
 * units, no character split across parts): the core's own counter, so the sandbox and the router agree.
 */
export function countSegments(body: string): number {
  return Math.max(1, countEncoded(body).segments);
}

/** Body length in characters (code points), which is what Twilio's 1600-character limit counts. */
export function characterCount(body: string): number {
  return [...body].length;
}
