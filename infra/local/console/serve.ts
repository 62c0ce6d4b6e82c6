import { promises as fs } from 'fs';
import type * as http from 'http';
import * as path from 'path';

/**
 * Serves the browser console: `/` is index.html, `/console/<file>` is any file in this folder.
 * Plain static files, no build step. Every answer carries a strict CSP (no inline script or style), no-store and
 * nosniff. Returns false for any other path so the caller can route it elsewhere.
 */

/** This folder; the console's files sit beside this module. */
const ROOT = path.resolve(__dirname);

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The server side of the console is never served, only the page's own assets. */
const HIDDEN = new Set(['.ts', '.map']);

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(body);
}

/**
 * The file a console path names, or null when it names none that may be served.
 * `rest` is the part after `/console/`, still URL-encoded.
 */
export function resolveConsoleFile(rest: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return null;
  }
  if (decoded === '' || decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return null;
  const file = path.resolve(ROOT, ...segments);
  if (!file.startsWith(ROOT + path.sep)) return null;
  const ext = path.extname(file).toLowerCase();
  if (HIDDEN.has(ext) || !(ext in CONTENT_TYPES)) return null;
  return file;
}

async function serveFile(req: http.IncomingMessage, res: http.ServerResponse, file: string): Promise<void> {
  let body: Buffer;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) {
      send(res, 404, 'Not found\n');
      return;
    }
    body = await fs.readFile(file);
  } catch {
    send(res, 404, 'Not found\n');
    return;
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(body.length),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function serveConsole(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.search(/[?#]/);
  const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);

  let file: string | null;
  if (pathname === '/' || pathname === '/index.html') {
    file = path.join(ROOT, 'index.html');
  } else if (pathname === '/console' || pathname.startsWith('/console/')) {
    file = pathname === '/console' ? null : resolveConsoleFile(pathname.slice('/console/'.length));
    if (file === null) {
      if (req.method === 'GET' || req.method === 'HEAD') send(res, 404, 'Not found\n');
      else send(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
      return true;
    }
  } else {
    return false;
  }

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
    return true;
  }
  serveFile(req, res, file).catch(() => {
    if (!res.headersSent) send(res, 500, 'Internal error\n');
    else res.destroy();
  });
  return true;
}
