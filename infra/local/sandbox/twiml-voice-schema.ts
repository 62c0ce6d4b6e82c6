import { childElements, textOf, type XmlElement } from './twiml-parser';
import type { TwilioErrorInfo } from './twiml-response';

/**
 * Twilio's rules for a voice TwiML document, for the verbs the sandbox runs: which verbs exist, what each may
 * contain, which attributes it takes (names as the twilio SDK's VoiceResponse declares them; TwiML is
 * case-sensitive) and the values Twilio checks. Twilio logs a breach as a debugger warning (12200 "Schema
 * validation warning", or the verb's own 13xxx code) and the caller may hear an application error; the sandbox
 * fails the call with that code, so a test sees every breach at once.
 */

const SCHEMA_WARNING = (detail: string): TwilioErrorInfo => ({
  code: 12200,
  message: `Schema validation warning: ${detail}`,
});

/** Every voice verb Twilio knows. The sandbox runs some; the rest it skips and logs (they are not errors). */
const VOICE_VERBS = new Set([
  'Say',
  'Play',
  'Pause',
  'Gather',
  'Redirect',
  'Dial',
  'Hangup',
  'Reject',
  'Record',
  'Enqueue',
  'Leave',
  'Connect',
  'Start',
  'Stop',
  'Refer',
  'Pay',
  'Prompt',
  'Echo',
  'Queue',
]);

/** The SSML a `<Say>` may hold. */
const SSML = new Set(['break', 'emphasis', 'lang', 'p', 'phoneme', 'prosody', 's', 'say-as', 'sub', 'w']);
const DIAL_NOUNS = new Set(['Number', 'Client', 'Conference', 'Queue', 'Sip', 'Sim', 'Application']);

/** The attributes each element takes, from the SDK's `*Attributes` interfaces (twilio/lib/twiml/VoiceResponse). */
const ATTRIBUTES: Record<string, ReadonlySet<string>> = {
  Response: new Set([]),
  Say: new Set(['voice', 'loop', 'language']),
  Play: new Set(['loop', 'digits']),
  Pause: new Set(['length']),
  Redirect: new Set(['method']),
  Hangup: new Set([]),
  Reject: new Set(['reason']),
  Gather: new Set([
    'action',
    'actionOnEmptyResult',
    'bargeIn',
    'debug',
    'enhanced',
    'finishOnKey',
    'hints',
    'input',
    'language',
    'maxSpeechTime',
    'method',
    'numDigits',
    'partialResultCallback',
    'partialResultCallbackMethod',
    'profanityFilter',
    'speechModel',
    'speechTimeout',
    'timeout',
  ]),
  Dial: new Set([
    'action',
    'answerOnBridge',
    'callerId',
    'events',
    'hangupOnStar',
    'method',
    'passports',
    'record',
    'recordingConfigurationId',
    'recordingStatusCallback',
    'recordingStatusCallbackEvent',
    'recordingStatusCallbackMethod',
    'recordingTrack',
    'referMethod',
    'referUrl',
    'ringTone',
    'sequential',
    'timeLimit',
    'timeout',
    'trim',
  ]),
  Number: new Set([
    'amdStatusCallback',
    'amdStatusCallbackMethod',
    'byoc',
    'machineDetection',
    'machineDetectionSilenceTimeout',
    'machineDetectionSpeechEndThreshold',
    'machineDetectionSpeechThreshold',
    'machineDetectionTimeout',
    'method',
    'sendDigits',
    'statusCallback',
    'statusCallbackEvent',
    'statusCallbackMethod',
    'url',
  ]),
};

/** What may be inside each element the sandbox runs: 'text' (no elements), the named elements, or nothing. */
const CONTENT: Record<string, 'empty' | 'text' | ReadonlySet<string>> = {
  Say: SSML,
  Play: 'text',
  Pause: 'empty',
  Redirect: 'text',
  Hangup: 'empty',
  Reject: 'empty',
  Gather: new Set(['Say', 'Play', 'Pause']),
  Dial: DIAL_NOUNS,
  Number: 'text',
};

const E164 = /^\+[1-9]\d{6,14}$/;
const NON_NEGATIVE_INT = /^\d+$/;
const POSITIVE_INT = /^[1-9]\d*$/;
const BOOLEAN = /^(true|false)$/;
const METHOD = /^(GET|POST)$/i;

/** The calling context a document runs in: what the caller ID of a `<Dial>` may be, and whether it is a whisper. */
export interface VoiceContext {
  /** Numbers the account owns (the sandbox's service numbers), plus the call's own From and To. */
  callerIds: readonly string[];
  /** A `<Number url>` document, run on the callee's leg before the bridge: it cannot `<Dial>` (13201). */
  whisper: boolean;
}

/** The first breach of Twilio's voice rules in a `<Response>`, or undefined when it is valid. */
export function voiceSchemaError(root: XmlElement, context: VoiceContext): TwilioErrorInfo | undefined {
  const attributes = attributeError(root);
  if (attributes) return attributes;
  if (root.children.some((child) => typeof child === 'string' && child.trim() !== '')) {
    return SCHEMA_WARNING('text directly inside <Response>');
  }
  for (const verb of childElements(root)) {
    if (!VOICE_VERBS.has(verb.name)) return SCHEMA_WARNING(`unknown verb <${verb.name}>`);
    if (!(verb.name in CONTENT)) continue;
    if (context.whisper && verb.name === 'Dial') {
      return { code: 13201, message: 'Dial: Cannot Dial out from a Dial Call Segment' };
    }
    const error = elementError(verb, context);
    if (error) return error;
  }
  return undefined;
}

function elementError(element: XmlElement, context: VoiceContext): TwilioErrorInfo | undefined {
  const attributes = attributeError(element);
  if (attributes) return attributes;
  const content = CONTENT[element.name];
  const children = childElements(element);
  if (content === 'empty' && (children.length > 0 || textOf(element) !== '')) {
    return SCHEMA_WARNING(`<${element.name}> must be empty`);
  }
  if (content === 'text' && children.length > 0) {
    return SCHEMA_WARNING(`<${children[0].name}> is not allowed in <${element.name}>`);
  }
  if (element.name === 'Gather' && element.children.some((c) => typeof c === 'string' && c.trim() !== '')) {
    return SCHEMA_WARNING('text directly inside <Gather>');
  }
  if (typeof content === 'object') {
    const misplaced = children.find((child) => !content.has(child.name));
    if (misplaced) return SCHEMA_WARNING(`<${misplaced.name}> is not allowed in <${element.name}>`);
  }
  const values = valueError(element, context);
  if (values) return values;
  if (element.name === 'Say' || element.name === 'Play' || element.name === 'Redirect') return undefined;
  for (const child of children) {
    if (!(child.name in CONTENT)) continue; // a Dial noun the sandbox does not run: its own rules are Twilio's
    const error = elementError(child, context);
    if (error) return error;
  }
  return undefined;
}

function attributeError(element: XmlElement): TwilioErrorInfo | undefined {
  const allowed = ATTRIBUTES[element.name];
  if (!allowed) return undefined;
  const unknown = Object.keys(element.attributes).find((name) => !allowed.has(name));
  return unknown === undefined
    ? undefined
    : SCHEMA_WARNING(`attribute '${unknown}' is not allowed in <${element.name}>`);
}

/** The attribute values Twilio checks, with its codes where it has one of its own. */
function valueError(element: XmlElement, context: VoiceContext): TwilioErrorInfo | undefined {
  const a = element.attributes;
  const bad = (name: string, pattern: RegExp) => a[name] !== undefined && !pattern.test(a[name]);
  if (bad('method', METHOD)) return SCHEMA_WARNING(`invalid method on <${element.name}>`);
  switch (element.name) {
    case 'Say':
    case 'Play':
      return bad('loop', NON_NEGATIVE_INT) ? SCHEMA_WARNING(`invalid loop on <${element.name}>`) : undefined;
    case 'Pause':
      return bad('length', NON_NEGATIVE_INT) ? SCHEMA_WARNING('invalid length on <Pause>') : undefined;
    case 'Reject':
      return bad('reason', /^(rejected|busy)$/) ? SCHEMA_WARNING('invalid reason on <Reject>') : undefined;
    case 'Gather':
      if (bad('finishOnKey', /^[0-9#*]?$/))
        return { code: 13310, message: 'Gather: Invalid finishOnKey value' };
      if (bad('timeout', POSITIVE_INT)) return { code: 13313, message: 'Gather: Invalid timeout value' };
      if (bad('numDigits', POSITIVE_INT)) return { code: 13314, message: 'Gather: Invalid numDigits value' };
      if (bad('actionOnEmptyResult', BOOLEAN)) {
        return { code: 13338, message: 'Gather: Invalid actionOnEmptyResult value' };
      }
      if (bad('input', /^(dtmf|speech)( (dtmf|speech))?$/))
        return SCHEMA_WARNING('invalid input on <Gather>');
      return undefined;
    case 'Dial':
      if (a.callerId !== undefined && !context.callerIds.includes(a.callerId)) {
        return { code: 13214, message: 'Dial: Invalid callerId value' };
      }
      if (bad('timeout', POSITIVE_INT)) return SCHEMA_WARNING('invalid timeout on <Dial>');
      if (bad('answerOnBridge', BOOLEAN)) return SCHEMA_WARNING('invalid answerOnBridge on <Dial>');
      if (childElements(element).length === 0 && !E164.test(textOf(element))) {
        return { code: 13223, message: 'Dial: Invalid phone number format' };
      }
      return undefined;
    case 'Number':
      return E164.test(textOf(element))
        ? undefined
        : { code: 13223, message: 'Dial: Invalid phone number format' };
    default:
      return undefined;
  }
}
