import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body the sandbox reads; an SMS body is at most 1600 characters. */
const MAX_BODY_BYTES = 64 * 1024;

/** A request the sandbox refuses, carrying the HTTP status and the error it answers with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Response headers the refusal needs (a 405's `Allow`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Reads the whole body as UTF-8, refusing anything larger than the sandbox could ever need. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'too_large', 'request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Parses a JSON request body; anything but a JSON object is a 400 `bad_json`, the code and wording of the
 * service's own HTTP API (shared/runtime/http.ts), so one client check covers every path of the local stack.
 */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad_json', 'body must be JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'bad_json', 'body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Parses a form-encoded body (what the twilio SDK sends) into a map of first values. */
export async function readForm(req: IncomingMessage): Promise<Map<string, string>> {
  const form = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(await readBody(req))) {
    if (!form.has(key)) form.set(key, value);
  }
  return form;
}

/** Writes a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Writes the project's error shape, `{"error":{"code","message"}}`. */
export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, error.headers);
}
