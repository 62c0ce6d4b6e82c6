import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The callback-style context methods, which the local runtime does not support: one function for all. */
function unsupported(): never {
  throw new Error('The callback-style context methods are not supported locally; return a promise');
}

/**
 * The Lambda context of one local invocation. A class, so that its methods are shared rather than made as
 * closures on every invocation (the gateway makes one per event).
 */
class LocalContext implements Context {
  callbackWaitsForEmptyEventLoop = true;
  readonly functionVersion = '$LATEST';
  readonly memoryLimitInMB = '1024';
  readonly invokedFunctionArn: string;
  readonly awsRequestId = randomUUID();
  readonly logGroupName: string;
  readonly logStreamName = `local/[$LATEST]${randomUUID().replace(/-/g, '')}`;
  readonly done = unsupported;
  readonly fail = unsupported;
  readonly succeed = unsupported;

  constructor(
    readonly functionName: string,
    private readonly deadline: number,
  ) {
    this.invokedFunctionArn = `arn:aws:lambda:local:000000000000:function:${functionName}`;
    this.logGroupName = `/aws/lambda/${functionName}`;
  }

  getRemainingTimeInMillis(): number {
    return Math.max(0, this.deadline - Date.now());
  }
}

/** The Lambda context a handler gets; its time budget is API Gateway's 29 s integration limit. */
export function createLambdaContext(functionName: string, budgetMs = 29_000): Context {
  return new LocalContext(functionName, Date.now() + budgetMs);
}
