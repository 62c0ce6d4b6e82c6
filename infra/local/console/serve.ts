import { promises as fs } from 'fs';
import type * as http from 'http';
import * as path from 'path';

/**
 * Serves the browser console: `/` is index.html, `/console/<file>` is any file in this folder.
 * Plain static files, no build step, with three generated answers: `/console/rules.js` (the project's shared
 * rules, bundled from shared/core/rules.ts on first request), `/console/client.js` (the reference WebSocket
 * client, bundled from shared/client/index.ts the same way) and `/console/config.json` (the server settings the
 * console shows). Every answer carries a strict CSP (no inline script or style), no-store and nosniff. Returns false for any
 * other path so the caller can route it elsewhere.
 */

/** This folder; the console's files sit beside this module. */
const ROOT = path.resolve(__dirname);

const SHARED = path.resolve(__dirname, '..', '..', '..', 'shared');

/**
 * The TypeScript modules the console loads as browser ES modules, by URL: the barrel of rules it shares with the
 * server (SMS body format, patterns, segment counter) and the reference WebSocket client.
 */
const BUNDLED: Readonly<Record<string, { entry: string; source: string }>> = {
  '/console/rules.js': { entry: path.join(SHARED, 'core', 'rules.ts'), source: 'shared/core/rules.ts' },
  '/console/client.js': { entry: path.join(SHARED, 'client', 'index.ts'), source: 'shared/client/index.ts' },
};

/** What `/console/config.json` tells the page. */
export interface ConsoleSettings {
  /** The server's ACK_TIMEOUT_MS: how long a pushed IM waits for its ack before the SMS fallback, in ms. */
  ackTimeoutMs: number;
}

const bundles = new Map<string, Promise<string>>();

/**
 * A TypeScript entry as one browser ES module, built with esbuild on the first call and kept in memory (the
 * sources do not change while the server runs). A failed build is not cached, so the next request tries again.
 * @throws Error with esbuild's message when the entry does not build (it imported something Node-only).
 */
function bundled(url: string): Promise<string> {
  const { entry, source } = BUNDLED[url];
  let bundle = bundles.get(url);
  if (!bundle) {
    bundle = (async () => {
      // Loaded only when asked for: esbuild is a devDependency, which `npm start` has anyway.
      const esbuild = await import('esbuild');
      const out = await esbuild.build({
        entryPoints: [entry],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        write: false,
        legalComments: 'none',
        logLevel: 'silent',
      });
      return `// Generated from ${source} by serve.ts; do not edit.\n${out.outputFiles[0].text}`;
    })().catch((err: unknown) => {
      bundles.delete(url);
      throw err;
    });
    bundles.set(url, bundle);
  }
  return bundle;
}

/** shared/core/rules.ts as one browser ES module (see `bundled`). @throws Error when it does not build. */
export function consoleRulesModule(): Promise<string> {
  return bundled('/console/rules.js');
}

/** shared/client/index.ts, the reference client, as one browser ES module. @throws Error when it does not build. */
export function consoleClientModule(): Promise<string> {
  return bundled('/console/client.js');
}

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

const ERRORS = {
  404: { code: 'not_found', message: 'no such path' },
  405: { code: 'method_not_allowed', message: 'the console answers GET and HEAD only' },
  500: { code: 'internal', message: 'the file could not be read' },
} as const;

/** An error in the documented shape, `{"error":{"code","message"}}`, as every other path of the server answers. */
function sendError(res: http.ServerResponse, status: keyof typeof ERRORS): void {
  const body = JSON.stringify({ error: ERRORS[status] });
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...(status === 405 ? { Allow: 'GET, HEAD' } : {}),
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
      sendError(res, 404);
      return;
    }
    body = await fs.readFile(file);
  } catch {
    sendError(res, 404);
    return;
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(body.length),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendGenerated(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  contentType: string,
  make: () => Promise<string>,
): void {
  make().then(
    (text) => {
      const body = Buffer.from(text);
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': contentType,
        'Content-Length': String(body.length),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    () => {
      if (!res.headersSent) sendError(res, 500);
      else res.destroy();
    },
  );
}

/**
 * Answers the request if its path is the console's (see the module comment) and returns true; returns false,
 * without touching the request, for any other path. `settings` fills `/console/config.json`.
 */
export function serveConsole(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  settings?: ConsoleSettings,
): boolean {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.search(/[?#]/);
  const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);

  const generated = Object.hasOwn(BUNDLED, pathname)
    ? { type: CONTENT_TYPES['.js'], make: () => bundled(pathname) }
    : pathname === '/console/config.json'
      ? {
          type: CONTENT_TYPES['.json'],
          make: async () => JSON.stringify({ ackTimeoutMs: settings?.ackTimeoutMs ?? null }),
        }
      : undefined;
  if (generated) {
    if (req.method !== 'GET' && req.method !== 'HEAD') sendError(res, 405);
    else sendGenerated(req, res, generated.type, generated.make);
    return true;
  }

  let file: string | null;
  if (pathname === '/' || pathname === '/index.html') {
    file = path.join(ROOT, 'index.html');
  } else if (pathname === '/console' || pathname.startsWith('/console/')) {
    file = pathname === '/console' ? null : resolveConsoleFile(pathname.slice('/console/'.length));
    if (file === null) {
      if (req.method === 'GET' || req.method === 'HEAD') sendError(res, 404);
      else sendError(res, 405);
      return true;
    }
  } else {
    return false;
  }

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, 405);
    return true;
  }
  serveFile(req, res, file).catch(() => {
    if (!res.headersSent) sendError(res, 500);
    else res.destroy();
  });
  return true;
}
