/** What later events of an allowed connection carry as `requestContext.authorizer`. */
export type AuthorizerContext = Record<string, string | number | boolean>;

/** The gateway's verdict on a REQUEST authorizer's outcome, with the status the upgrade gets when refused. */
export type AuthDecision =
  | { kind: 'allow'; authorizer: AuthorizerContext }
  | { kind: 'refuse'; status: 401 | 403 | 500; message: string; why: string };

const UNAUTHORIZED = { kind: 'refuse', status: 401, message: 'Unauthorized' } as const;
const FORBIDDEN = { kind: 'refuse', status: 403, message: 'Forbidden' } as const;
const BROKEN = { kind: 'refuse', status: 500, message: 'Internal server error' } as const;

/**
 * An authorizer that fails: API Gateway turns exactly the error 'Unauthorized' into 401 and anything else
 * into 500, so a handler that throws for a bad token must use that message.
 */
export function decideOnError(err: unknown): AuthDecision {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : undefined;
  return message === 'Unauthorized'
    ? { ...UNAUTHORIZED, why: 'authorizer threw Unauthorized' }
    : { ...BROKEN, why: 'authorizer failed' };
}

/**
 * Evaluates an authorizer's result against the route's method ARN as IAM would: an explicit Deny wins, then
 * an Allow whose Action and Resource match; no matching statement is an implicit deny (403). A result without
 * principalId or policyDocument, or with a context value that is not a string, number or boolean, breaks the
 * integration on AWS (500), so it does here too.
 */
export function decideOnResult(result: unknown, methodArn: string): AuthDecision {
  if (!isRecord(result) || typeof result.principalId !== 'string' || !isRecord(result.policyDocument)) {
    return { ...BROKEN, why: 'authorizer result lacks principalId or policyDocument' };
  }
  const context = flatContext(result.context);
  if (!context) return { ...BROKEN, why: 'authorizer context values must be strings, numbers or booleans' };
  const effects = asArray(result.policyDocument.Statement)
    .filter(isRecord)
    .filter((s) => matchesAction(s.Action) && matchesResource(s.Resource, methodArn))
    .map((s) => String(s.Effect).toLowerCase());
  if (effects.includes('deny')) return { ...FORBIDDEN, why: 'policy denies' };
  if (!effects.includes('allow')) return { ...FORBIDDEN, why: 'no statement allows' };
  return { kind: 'allow', authorizer: { ...context, principalId: result.principalId } };
}

function flatContext(raw: unknown): AuthorizerContext | undefined {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) return undefined;
  const ok = Object.values(raw).every((v) => ['string', 'number', 'boolean'].includes(typeof v));
  return ok ? (raw as AuthorizerContext) : undefined;
}

function matchesAction(action: unknown): boolean {
  return asArray(action).some((a) =>
    ['execute-api:invoke', 'execute-api:*', '*'].includes(String(a).toLowerCase()),
  );
}

function matchesResource(resource: unknown, methodArn: string): boolean {
  return asArray(resource).some((r) => typeof r === 'string' && globToRegExp(r).test(methodArn));
}

/** IAM resource patterns: '*' is any run of characters, '?' any one character. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
