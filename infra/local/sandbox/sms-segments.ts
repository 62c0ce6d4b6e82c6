import { countSegments as countEncoded, smsLength } from '../../../shared/core/conversion/sms-encoding';

/**
 * How many SMS segments a body is billed as, the way Twilio counts them (GSM-7 160/153 septets, UCS-2 70/67
 * units, no character split across parts): the core's own counter, so the sandbox and the router agree.
 */
export function countSegments(body: string): number {
  return Math.max(1, countEncoded(body).segments);
}

/**
 * Body length as Twilio's 1,600-character limit (error 21617) counts it: UTF-16 code units, so an emoji counts
 * 2. The core's own count, so the router cuts bodies exactly where the sandbox (and Twilio) would refuse them.
 */
export function characterCount(body: string): number {
  return smsLength(body);
}
