import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@smithy/types';

/**
 * Bundled in place of `@aws-sdk/credential-provider-node` (infra/aws/bundling.ts, `--alias`): the default
 * credential chain as it runs on Lambda, where the runtime always sets the role's credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the SDK's chain always stops at its first link,
 * `fromEnv`. The other links (SSO, ini files, credential_process, web identity, container and instance metadata)
 * and the STS / SSO-OIDC / sign-in clients they load are never reached there, yet the full chain bundles them all
 * behind dynamic imports, and a module reached by a dynamic import is wrapped by esbuild: it and everything it
 * imports, shared SDK code included, lose tree shaking and run as separate lazy closures (bench section 5, cold
 * init). Same exports, same first link, same memoisation (the environment's credentials carry no expiry, so they
 * are read once); where the SDK would try the next link, this says why there is none.
 *
 * Only the Lambda bundles use this; the local stack, the tests and the scripts run the real chain.
 */
export const defaultProvider = (
  init: { profile?: string; logger?: Logger } = {},
): AwsCredentialIdentityProvider => {
  let credentials: Promise<AwsCredentialIdentity> | undefined;
  const read = async (): Promise<AwsCredentialIdentity> => {
    if (init.profile ?? process.env.AWS_PROFILE) {
      throw new Error(
        'AWS_PROFILE is set, but a Lambda bundle takes its credentials from the environment only ' +
          '(infra/aws/bundle-shims/lambda-credentials.ts)',
      );
    }
    return fromEnv(init)();
  };
  return async (options?: { forceRefresh?: boolean }) => {
    if (!credentials || options?.forceRefresh || credentialsTreatedAsExpired(await credentials)) {
      credentials = read();
      // A failed read is not kept: the next call reads the environment again, as the SDK's chain does.
      credentials.catch(() => (credentials = undefined));
    }
    return credentials;
  };
};

/** As the SDK's: credentials with an expiry are refreshed. */
export const credentialsWillNeedRefresh = (credentials?: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined;

/** As the SDK's: credentials within five minutes of their expiry count as expired. */
export const credentialsTreatedAsExpired = (credentials?: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
