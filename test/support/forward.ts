import { request, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * Forwards one HTTP request a test proxy has read whole (`body`) to `upstream` (its host and port; method, path
 * and headers kept), and pipes the answer back. A failed upstream request destroys the client's response, as a
 * dropped connection would. For fault proxies that hold or refuse some requests and pass the rest.
 */
export function forwardRequest(upstream: URL, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const out = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (up) => {
      res.writeHead(up.statusCode ?? 500, up.headers);
      up.pipe(res);
    },
  );
  out.on('error', () => res.destroy());
  out.end(body);
}
