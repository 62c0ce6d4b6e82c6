import { whisperFor } from '../shared/core/ivr/call';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';
import { renderVoice } from '../shared/runtime/voice-twiml';

/** POST /twilio/voice/whisper?caller=<imNumber>: what the callee hears on answering, before the bridge. */
export const handler = twilioWebhook(
  'twilio-voice-whisper',
  { sms: false },
  async (deps, _params, event) => ({
    twiml: renderVoice(
      await whisperFor(deps, event.queryStringParameters?.caller ?? ''),
      deps.config.publicUrl,
    ),
  }),
);
