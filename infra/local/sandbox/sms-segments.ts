// GSM 03.38 default alphabet and its extension table (each extension character costs an escape septet).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

/** Septets a GSM-7 body takes, or undefined when some character forces UCS-2. */
function gsmSeptets(body: string): number | undefined {
  let septets = 0;
  for (const ch of body) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENSION.has(ch)) septets += 2;
    else return undefined;
  }
  return septets;
}

/**
 * How many SMS segments a body is billed as, the way Twilio counts them: GSM-7 fits 160 septets in one
 * segment and 153 per part once concatenated; UCS-2 fits 70 UTF-16 units and 67 per part.
 */
export function countSegments(body: string): number {
  const septets = gsmSeptets(body);
  const [units, single, multi] = septets === undefined ? [body.length, 70, 67] : [septets, 160, 153];
  if (units <= single) return 1;
  return Math.ceil(units / multi);
}

/** Body length in characters (code points), which is what Twilio's 1600-character limit counts. */
export function characterCount(body: string): number {
  return [...body].length;
}
