// The HTTP side of the contract: auth and the Twilio-compatible sandbox. Same origin, JSON in and out.
/* global atob */

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      cache: 'no-store',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('The local server is not reachable. Is `npm start` running?', 0, 'network');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { raw: text };
    }
  }
  if (!res.ok) {
    const e = data?.error;
    const message = typeof e?.message === 'string' ? e.message : `${res.status} ${res.statusText || 'error'}`;
    throw new ApiError(message, res.status, typeof e?.code === 'string' ? e.code : `http_${res.status}`);
  }
  return data;
}

const phonePath = (phone) => `/sandbox/phones/${encodeURIComponent(phone)}/messages`;

export const api = {
  authStart: (phone) => request('POST', '/auth/start', { phone }),
  authVerify: (phone, code, name) =>
    request('POST', '/auth/verify', name ? { phone, code, name } : { phone, code }),
  sandbox: () => request('GET', '/sandbox'),
  phoneMessages: async (phone) => {
    const data = await request('GET', phonePath(phone));
    return Array.isArray(data?.messages) ? data.messages : [];
  },
  clearPhone: (phone) => request('DELETE', phonePath(phone)),
  sendSms: (from, to, body) => request('POST', '/sandbox/sms', { from, to, body }),
  health: () => request('GET', '/healthz'),
};

/** The WebSocket URL for a token, on this page's host. */
export function wsUrl(token) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`;
}

/** The `exp` of a JWT in epoch ms, or null (the console never verifies tokens; the server does). */
export function tokenExpiry(token) {
  try {
    const payload = token.split('.')[1];
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof json.exp === 'number' ? json.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** The sandbox's service numbers, fetched once and shared. */
let serviceNumbers = null;
const waiting = [];
export function getServiceNumbers() {
  if (serviceNumbers) return Promise.resolve(serviceNumbers);
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (waiting.length === 1) fetchServiceNumbers();
  });
}
async function fetchServiceNumbers(delay = 500) {
  try {
    const data = await api.sandbox();
    const list = Array.isArray(data?.serviceNumbers)
      ? data.serviceNumbers.filter((n) => typeof n === 'string')
      : [];
    serviceNumbers = list;
    for (const w of waiting.splice(0)) w(list);
  } catch {
    setTimeout(() => fetchServiceNumbers(Math.min(delay * 2, 10000)), delay);
  }
}

/** What the sandbox says about itself (service numbers, the number suffix it always fails), fetched once. */
let sandboxInfo = null;
export function getSandboxInfo() {
  sandboxInfo ??= api.sandbox().catch(() => {
    sandboxInfo = null;
    return {};
  });
  return sandboxInfo;
}

/** The server settings the console shows (`/console/config.json`: ackTimeoutMs), fetched once; {} on failure. */
let consoleConfig = null;
export function getConsoleConfig() {
  consoleConfig ??= request('GET', '/console/config.json').catch(() => {
    consoleConfig = null;
    return {};
  });
  return consoleConfig;
}
