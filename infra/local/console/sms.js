// SMS segment arithmetic for the composer's counter: GSM-7 (160 alone, 153 per part) or UCS-2 (70 / 67).

const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

/** { encoding, units, segments, perSegment, left } for a body. */
export function smsInfo(text) {
  let units = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM7_BASIC.has(ch)) units += 1;
    else if (GSM7_EXTENSION.has(ch)) units += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (!gsm) units = text.length; // UTF-16 code units
  const single = gsm ? 160 : 70;
  const multi = gsm ? 153 : 67;
  const segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
  const perSegment = segments > 1 ? multi : single;
  const left = segments === 0 ? single : segments * perSegment - units;
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments, perSegment, left };
}

/** "42/160 · 1 SMS" style text. */
export function counterText(text) {
  const i = smsInfo(text);
  if (i.segments === 0) return `0/160 · GSM-7`;
  const enc = i.encoding === 'GSM-7' ? 'GSM-7' : 'Unicode';
  const seg = `${i.segments} SMS${i.segments > 1 ? ' parts' : ''}`;
  return `${i.units}/${i.segments * i.perSegment} · ${seg} · ${enc}`;
}

/** The first 6-digit code in an SMS body, or null. */
export function findCode(body) {
  const m = /(?:^|\D)(\d{6})(?!\d)/.exec(body ?? '');
  return m ? m[1] : null;
}
