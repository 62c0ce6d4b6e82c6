import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionSpec } from '../../functions';
import { acknowledge } from '../nag';
import type { Settings } from '../settings';

/**
 * Per-route throttles of the WebSocket stage, as shares of its default (`wsRateLimit`/`wsBurstLimit`): the
 * routes that cost most or are abused first get less of the stage's rate, so a flood of them cannot starve
 * `ack` and `ping`. Stage-wide backstops (all users together); per-user limits are in the functions
 * (WS_FRAMES_PER_* and WS_MAX_CONNECTIONS_PER_USER, docs/protocol.md).
 */
export const WS_ROUTE_THROTTLE_SHARE: Record<string, number> = {
  $connect: 0.25, // connection storms: each $connect is an authorizer call, a Query and a write
  sendMessage: 0.5, // each may cost an SMS
  setPresence: 0.1,
  $default: 0.1, // unknown actions: only ever an error frame
};

/**
 * The WebSocket API (frames routed on `action`) and the HTTP API (sign-in, Twilio webhooks), each with its
 * throttled stage. `connect` then adds one route per manifest entry and the `$connect` authorizer. Built in
 * `scope` itself, so the logical IDs stay `WsApi…`, `HttpApi…` and their children's.
 */
export class Apis {
  readonly wsApi: apigw.WebSocketApi;
  readonly wsStage: apigw.WebSocketStage;
  readonly httpApi: apigw.HttpApi;
  readonly httpStage: apigw.HttpStage;
  /** https://<id>.execute-api.<region>.amazonaws.com, no trailing slash (PUBLIC_URL). */
  readonly publicUrl: string;
  private readonly wsThrottle: Settings['wsThrottle'];

  constructor(scope: Construct, settings: Settings) {
    this.wsThrottle = settings.wsThrottle;
    const { stackName } = Stack.of(scope);
    this.wsApi = new apigw.WebSocketApi(scope, 'WsApi', {
      apiName: `${stackName}-ws`,
      description: 'imsms WebSocket API: frames are routed by their "action"',
      routeSelectionExpression: '$request.body.action',
    });
    const wsAccessLogs = settings.wsAccessLogs
      ? new logs.LogGroup(scope, 'WsAccessLogs', {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        })
      : undefined;
    this.wsStage = new apigw.WebSocketStage(scope, 'WsStage', {
      webSocketApi: this.wsApi,
      // A literal name: WS_ENDPOINT and the ManageConnections ARN then reference the Api, never the Stage
      // (the Stage depends on the routes, which depend on the functions: referencing it would be a cycle).
      stageName: settings.wsStageName,
      autoDeploy: true,
      throttle: settings.wsThrottle,
      accessLogSettings: wsAccessLogs
        ? { destination: new apigw.LogGroupLogDestination(wsAccessLogs) }
        : undefined,
    });
    if (!wsAccessLogs) {
      acknowledge(
        this.wsStage,
        'AwsSolutions-APIG1',
        'WebSocket access logs need the account-wide API Gateway CloudWatch role, which this stack does not own; enable with -c wsAccessLogs=true once the account has it (docs/deploy.md). Function logs record every event meanwhile.',
      );
    }

    this.httpApi = new apigw.HttpApi(scope, 'HttpApi', {
      apiName: `${stackName}-http`,
      description: 'imsms HTTP API: sign-in and the Twilio webhooks',
      // Our own $default stage below, for throttling and access logs.
      createDefaultStage: false,
    });
    const httpAccessLogs = new logs.LogGroup(scope, 'HttpAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpStage = new apigw.HttpStage(scope, 'HttpStage', {
      httpApi: this.httpApi,
      // $default: no stage segment in URLs, so the path Twilio signs is exactly PUBLIC_URL + rawPath.
      stageName: '$default',
      autoDeploy: true,
      throttle: settings.httpThrottle,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(httpAccessLogs) },
    });
    this.publicUrl = this.httpApi.apiEndpoint;
  }

  /**
   * One route per `http`/`ws` manifest entry, on its own function; the `ws-authorizer` entry guards `$connect`.
   * Throws when the manifest has WebSocket routes but no authorizer, two authorizers, or an authorizer and no
   * `$connect` route.
   */
  connect(manifest: readonly FunctionSpec[], fnOf: (name: string) => lambda.Function): void {
    const authorizers = manifest.filter((s) => s.trigger.kind === 'ws-authorizer');
    if (authorizers.length > 1) throw new Error('manifest: more than one ws-authorizer');
    const wsSpecs = manifest.filter((s) => s.trigger.kind === 'ws');
    if (wsSpecs.length && !authorizers.length)
      throw new Error('manifest: WebSocket routes but no ws-authorizer for $connect');
    const authorizer = authorizers.length
      ? new WebSocketLambdaAuthorizer('ConnectAuthorizer', fnOf(authorizers[0].name), {
          authorizerName: 'token',
          identitySource: ['route.request.querystring.token'],
        })
      : undefined;
    if (authorizer && !wsSpecs.some((s) => s.trigger.kind === 'ws' && s.trigger.routeKey === '$connect')) {
      throw new Error('manifest: a ws-authorizer but no $connect route to put it on');
    }

    for (const spec of manifest) {
      const t = spec.trigger;
      if (t.kind === 'http') {
        this.httpApi.addRoutes({
          path: t.path,
          methods: [apigw.HttpMethod[t.method]],
          integration: new HttpLambdaIntegration(spec.name, fnOf(spec.name)),
        });
      } else if (t.kind === 'ws') {
        this.wsApi.addRoute(t.routeKey, {
          // Named after the function: an id of 'Default' would collide with the $default route's logical id.
          integration: new WebSocketLambdaIntegration(spec.name, fnOf(spec.name)),
          // WebSocket APIs authorize once, on $connect; API Gateway allows no authorizer on other routes.
          authorizer: t.routeKey === '$connect' ? authorizer : undefined,
          // Two-way: the function's body is sent back as the route response (saves an @connections post).
          returnResponse: t.reply === true,
        });
      }
    }
    this.throttleRoutes(wsSpecs.map((s) => (s.trigger.kind === 'ws' ? s.trigger.routeKey : '')));
    this.acknowledgePublicRoutes(manifest);
  }

  /** The stage's RouteSettings (throttling per route key, WS_ROUTE_THROTTLE_SHARE), for the routes that exist. */
  private throttleRoutes(routeKeys: string[]): void {
    const stage = this.wsStage.node.defaultChild as apigw.CfnStage;
    const { rateLimit, burstLimit } = this.wsThrottle;
    const settings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const key of routeKeys) {
      const share = WS_ROUTE_THROTTLE_SHARE[key];
      if (share === undefined) continue;
      settings[key] = {
        ThrottlingRateLimit: Math.max(1, Math.floor(rateLimit * share)),
        ThrottlingBurstLimit: Math.max(1, Math.floor(burstLimit * share)),
      };
      // RouteSettings name routes by key: the stage must be created after them.
      const route = this.wsApi.node.findChild(`${key}-Route`).node.defaultChild as apigw.CfnRoute;
      stage.node.addDependency(route);
    }
    stage.routeSettings = settings;
  }

  /** Routes that are public by design. WebSocket routes after $connect ride the authorized connection. */
  private acknowledgePublicRoutes(manifest: readonly FunctionSpec[]): void {
    for (const spec of manifest) {
      const t = spec.trigger;
      if (t.kind === 'ws' && t.routeKey !== '$connect') {
        acknowledge(
          this.wsApi.node.findChild(`${t.routeKey}-Route`),
          'AwsSolutions-APIG4',
          "WebSocket APIs authorize once, at $connect (Lambda REQUEST authorizer on ?token=); API Gateway accepts no authorizer on other routes, whose events carry the connection's authorizer context.",
        );
      }
    }
    for (const route of this.httpApi.node.children) {
      if (!(route instanceof apigw.HttpRoute)) continue;
      const path = route.path ?? '';
      const reason = path.startsWith('/twilio/')
        ? 'Twilio webhook: Twilio cannot send API Gateway credentials; every request is authenticated in the function by its X-Twilio-Signature (HMAC over PUBLIC_URL + path + params), and a bad one gets 403 before anything is read.'
        : 'Public by design: this is the sign-in flow (request an SMS code, trade it for a session token), which runs before the caller has any credential; it is rate-limited in the function and throttled at the stage.';
      acknowledge(route, 'AwsSolutions-APIG4', reason);
    }
  }
}
