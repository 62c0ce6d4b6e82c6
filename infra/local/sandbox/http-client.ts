import RequestClient from 'twilio/lib/base/RequestClient';

/**
 * The SDK's own RequestClient with one change: every request goes to the sandbox instead of Twilio's hosts.
 * Reusing the SDK's client keeps its auth header, form encoding and response handling as in production.
 */
class SandboxRequestClient extends RequestClient {
  constructor(private readonly baseUrl: string) {
    // No keep-alive, so a test's server can close without waiting for idle sockets.
    super({ keepAlive: false });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request({ ...opts, uri: rebase(opts.uri, this.baseUrl) });
  }
}

/** Moves a Twilio API URL (any host, region or edge) onto the sandbox base URL, keeping path and query. */
function rebase(uri: string, baseUrl: string): string {
  const target = new URL(uri);
  return baseUrl.replace(/\/+$/, '') + target.pathname + target.search;
}

/**
 * An httpClient for the real twilio SDK that sends its REST calls to the sandbox at `baseUrl` instead of
 * api.twilio.com:
 * `twilio(accountSid, authToken, { httpClient: sandboxHttpClient('http://127.0.0.1:3000') })`.
 */
export function sandboxHttpClient(baseUrl: string): RequestClient {
  if (!URL.canParse(baseUrl)) throw new TypeError('sandboxHttpClient: baseUrl must be an absolute URL');
  return new SandboxRequestClient(baseUrl);
}
