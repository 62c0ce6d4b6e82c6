// Deep import, as the messaging side does: the TwiML builder for voice, not the whole SDK.
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import type { VoiceAnswer } from '../core/ivr/answer';
import type { InboundCall } from '../core/ivr/call';
import { E164_PATTERN } from '../core/provisioning/e164';
import { CALL_SID } from './twilio-ids';

/** The voice webhook's paths: the call itself, then the URLs its TwiML hands to Twilio. */
export const VOICE_PATHS = {
  call: '/twilio/voice',
  gather: '/twilio/voice/gather',
  whisper: '/twilio/voice/whisper',
  dialStatus: '/twilio/voice/dial-status',
} as const;

/** How long the caller has to key the imNumber, and how long the callee's phone rings (seconds). */
const GATHER_TIMEOUT_S = 10;
const DIAL_TIMEOUT_S = 30;

const url = (publicUrl: string, path: string, query: Record<string, string>): string =>
  `${publicUrl}${path}?${new URLSearchParams(query).toString()}`;

/**
 * Renders the IVR's answer as TwiML with the twilio SDK's VoiceResponse. URLs are absolute under `publicUrl`
 * (PUBLIC_URL), so Twilio signs exactly what the webhook wrapper checks:
 * - prompt: `<Say>`s, then `<Gather input="dtmf" finishOnKey="#" actionOnEmptyResult="true">` with the prompt
 *   inside, posting to /twilio/voice/gather?attempt=N (a timeout posts an empty Digits, a wrong entry);
 * - connect: `<Say>`s, then `<Dial callerId action=/twilio/voice/dial-status?caller&callee>` around
 *   `<Number url=/twilio/voice/whisper?caller>` (the whisper the callee hears before the bridge);
 * - end: `<Say>`s, then `<Hangup/>`; announce: `<Say>`s only (the whisper's document then ends and bridges).
 */
export function renderVoice(answer: VoiceAnswer, publicUrl: string): string {
  const response = new VoiceResponse();
  for (const text of answer.say) response.say(text);
  switch (answer.kind) {
    case 'prompt': {
      const gather = response.gather({
        input: ['dtmf'],
        finishOnKey: '#',
        timeout: GATHER_TIMEOUT_S,
        actionOnEmptyResult: true,
        action: url(publicUrl, VOICE_PATHS.gather, { attempt: String(answer.attempt) }),
        method: 'POST',
      });
      gather.say(answer.prompt);
      break;
    }
    case 'connect': {
      const dial = response.dial({
        callerId: answer.callerId,
        timeout: DIAL_TIMEOUT_S,
        action: url(publicUrl, VOICE_PATHS.dialStatus, { caller: answer.caller, callee: answer.callee }),
        method: 'POST',
      });
      dial.number(
        { url: url(publicUrl, VOICE_PATHS.whisper, { caller: answer.caller }), method: 'POST' },
        answer.to,
      );
      break;
    }
    case 'end':
      response.hangup();
      break;
    case 'announce':
      break;
  }
  return response.toString();
}

/**
 * The call a voice webhook reports, in the core's words: `From` kept only when it is an E.164 phone (Twilio
 * sends `anonymous` or a bare short code for a withheld or odd caller ID, which then counts as unknown). Null
 * when the CallSid is not Twilio's shape (`CA` + 32 hex) or `To` is not an E.164 number: the webhook then only
 * hangs up ({@link HANG_UP}) and changes nothing.
 */
export function inboundCall(params: Record<string, string>): InboundCall | null {
  const from = params.From ?? '';
  const callSid = params.CallSid ?? '';
  const to = params.To ?? '';
  if (!CALL_SID.test(callSid) || !E164_PATTERN.test(to)) return null;
  return { callSid, from: E164_PATTERN.test(from) ? from : null, to };
}

/** The answer to a voice webhook whose identifiers are malformed (see {@link inboundCall}): hang up, nothing else. */
export const HANG_UP: VoiceAnswer = { kind: 'end', say: [] };
