/**
 * The rules the browser console shares with the server, from one place, so it never re-spells them: the SMS body
 * the router writes (and its inverse), the imNumber and name patterns, the default name, and the SMS encoder and
 * segment counter. Nothing here imports Node-only modules: `infra/local/console/serve.ts` bundles this file with
 * esbuild into the ES module `/console/rules.js`.
 */
export { formatSmsBody, parseSmsBody } from './sms-send';
export { IM_NUMBER_PATTERN } from './addressing';
export { defaultName, NAME_PATTERN } from './names';
export { countSegments, encodeSms, normalizeForGsm7, MAX_SMS_CHARS } from './sms-encoding';
