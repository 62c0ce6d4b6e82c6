/**
 * The Twilio-compatible sandbox (local only): a simulated phone network the local runtime mounts beside the
 * app. See README.md in this folder for its endpoints and the shapes they answer with.
 */
export { TwilioSandbox } from './sandbox';
export { sandboxHttpClient } from './http-client';
export { UNDELIVERABLE_SUFFIX } from './message-store';
export type { SandboxOptions, SandboxLog, InboxMessage, CallState, CallStatus } from './types';
export type { PhoneTextResult, SentReply } from './inbound-sms';
