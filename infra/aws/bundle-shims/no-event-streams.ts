/**
 * Bundled in place of `@smithy/core/event-streams` (infra/aws/bundling.ts, `--alias`). The SDK's protocols load
 * event-stream support with a dynamic import, only for operations whose input or output is an event stream; no
 * function of this project calls one (DynamoDB, SQS, SNS, Secrets Manager and the @connections API only). The
 * dynamic import made esbuild wrap that module and everything it imports (most of `@smithy/core`, shared with
 * every client) as lazy closures without tree shaking, at a cost to every cold start. Should a streaming
 * operation ever be added, the first call fails with this message instead of misbehaving.
 */
function notBundled(): never {
  throw new Error(
    'event streams are not in the Lambda bundles (infra/aws/bundle-shims/no-event-streams.ts): remove the ' +
      '@smithy/core/event-streams alias in infra/aws/bundling.ts to call a streaming operation',
  );
}

export const EventStreamSerde = notBundled;
export const eventStreamSerdeProvider = notBundled;
