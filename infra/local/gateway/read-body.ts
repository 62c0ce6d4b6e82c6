import type { IncomingMessage } from 'node:http';

/** The body did not fit: the caller answers 413. */
export const TOO_LARGE = Symbol('too-large');

/**
 * Reads a request body up to `limit` bytes. Past the limit the rest is read and dropped rather than the
 * socket destroyed: a reset can wipe the 413 from the client's buffers before it reads it.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | typeof TOO_LARGE> {
  const declared = Number(req.headers['content-length']);
  // Node drains an unread body itself once the response is finished.
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | undefined = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (!chunks) return;
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      chunks = undefined;
      resolve(TOO_LARGE);
    });
    req.on('end', () => chunks && resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
