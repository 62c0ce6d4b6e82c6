import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mediaNote } from '../../shared/core/conversion/message-text';
import { REPLIES } from '../../shared/core/im-sms/receive';
import { MISSED_CALL_TEXT } from '../../shared/core/ivr/answer';
import { FINAL_TWILIO_STATUS } from '../../shared/runtime/sms-reports';

/**
 * docs/protocol.md says what a phone and an IM user actually get: the texts it quotes are the texts the code
 * sends, and the status callback's paragraph names every Twilio status that ends an SMS leg.
 */
const protocol = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'protocol.md'), 'utf8');
/** The doc as one line per paragraph's words (Markdown wraps its lines anywhere). */
const flat = protocol.replace(/\s*\n\s*/g, ' ');

describe('docs/protocol.md', () => {
  it('quotes the missed-call message as it is sent, as IM text and as an SMS', () => {
    expect(flat).toContain(`"${MISSED_CALL_TEXT}"`);
    expect(flat).toContain(`\`<name> @<imNumber>: ${MISSED_CALL_TEXT}\``);
    expect(flat).not.toMatch(/Missed call from/);
  });

  it('quotes the media reply and the media note as they are sent', () => {
    expect(flat).toContain(`"${REPLIES.mediaOnly}"`);
    expect(flat).toContain(`\`${mediaNote(1)}\``);
  });

  it('names every status that ends an SMS leg in the status callback, read as delivered', () => {
    const callback = flat.slice(flat.indexOf('`POST /twilio/sms/status'), flat.indexOf('`POST /twilio/voice`'));
    for (const [status, outcome] of Object.entries(FINAL_TWILIO_STATUS)) {
      expect([status, callback.includes(`\`${status}\``)]).toEqual([status, true]);
      if (outcome === 'delivered') expect(callback).toMatch(new RegExp(`\`${status}\`[^;]*delivered`));
    }
  });
});
