import { parseXml, XmlParseError, type XmlElement } from './twiml-parser';
import type { WebhookResponse } from './webhook-client';

/** A Twilio debugger error: the code Twilio would log and its title. */
export interface TwilioErrorInfo {
  code: number;
  message: string;
}

/** What an app's answer to a webhook amounts to. */
export type TwimlOutcome =
  | { kind: 'twiml'; root: XmlElement }
  | { kind: 'plain'; text: string }
  | { kind: 'empty' }
  | { kind: 'error'; error: TwilioErrorInfo };

export const HTTP_RETRIEVAL_FAILURE: TwilioErrorInfo = { code: 11200, message: 'HTTP retrieval failure' };
const PARSE_FAILURE: TwilioErrorInfo = { code: 12100, message: 'Document parse failure' };
const INVALID_CONTENT_TYPE: TwilioErrorInfo = { code: 12300, message: 'Invalid Content-Type' };

/**
 * Reads an app's answer the way Twilio does: a non-2xx status is error 11200; XML must be a well-formed
 * `<Response>` (else 12100); for messaging an empty body means "no reply" and text/plain is the reply.
 */
export function readTwimlResponse(response: WebhookResponse, kind: 'messaging' | 'voice'): TwimlOutcome {
  if (response.status < 200 || response.status > 299) return { kind: 'error', error: HTTP_RETRIEVAL_FAILURE };
  const mediaType = response.contentType.split(';')[0].trim().toLowerCase();
  const blank = response.body.trim() === '';
  if (kind === 'messaging' && blank) return { kind: 'empty' };
  if (kind === 'messaging' && mediaType === 'text/plain') {
    return { kind: 'plain', text: response.body.trim() };
  }
  if (!['text/xml', 'application/xml', 'text/html', ''].includes(mediaType)) {
    return { kind: 'error', error: INVALID_CONTENT_TYPE };
  }
  return parseResponseDocument(response.body);
}

function parseResponseDocument(body: string): TwimlOutcome {
  try {
    const root = parseXml(body);
    return root.name === 'Response' ? { kind: 'twiml', root } : { kind: 'error', error: PARSE_FAILURE };
  } catch (err) {
    if (err instanceof XmlParseError) return { kind: 'error', error: PARSE_FAILURE };
    throw err;
  }
}

/** The text inside an element as written, nested text included, trimmed at both ends only. */
export function rawTextOf(element: XmlElement): string {
  const join = (el: XmlElement): string =>
    el.children.map((child) => (typeof child === 'string' ? child : join(child))).join('');
  return join(element).trim();
}

/** An HTTP method attribute, Twilio's default POST unless it says GET. */
export function methodOf(element: XmlElement): 'GET' | 'POST' {
  return element.attributes.method?.toUpperCase() === 'GET' ? 'GET' : 'POST';
}

/** Resolves a TwiML URL attribute against the URL of the document it came from, as Twilio does. */
export function resolveUrl(reference: string, documentUrl: string): string {
  return new URL(reference.trim(), documentUrl).toString();
}
