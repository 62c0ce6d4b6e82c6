import {
  APIGatewayProxyEventV2Schema,
  APIGatewayProxyWebsocketEventSchema,
} from '@aws-lambda-powertools/parser/schemas';
import { z } from 'zod';

/**
 * Powertools' schemas are built from captured AWS events, so a local event that parses is shaped like a real
 * one. The top level is made strict here: a key AWS never sends fails the test instead of passing silently.
 */
export const HttpEventSchema = z.strictObject(APIGatewayProxyEventV2Schema.shape);

/** Powertools' "WebSocket event" schema is the REQUEST authorizer event of $connect (type + methodArn). */
export const AuthorizerEventSchema = z.strictObject(APIGatewayProxyWebsocketEventSchema.shape);

/**
 * Powertools has no schema for the $connect / MESSAGE / $disconnect proxy events, so this one reuses its
 * WebSocket requestContext and adds the fields AWS documents for each event type.
 */
const requestContext = APIGatewayProxyWebsocketEventSchema.shape.requestContext
  .extend({
    messageId: z.string().optional(),
    authorizer: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    disconnectStatusCode: z.number().int().optional(),
    disconnectReason: z.string().optional(),
  })
  .strict();

const stringMap = z.record(z.string(), z.string());
const multiMap = z.record(z.string(), z.array(z.string()));

export const WebSocketEventSchema = z
  .strictObject({
    headers: stringMap.optional(),
    multiValueHeaders: multiMap.optional(),
    queryStringParameters: stringMap.optional(),
    multiValueQueryStringParameters: multiMap.optional(),
    requestContext,
    body: z.string().optional(),
    isBase64Encoded: z.boolean(),
  })
  .superRefine((event, ctx) => {
    const { eventType, messageId, disconnectStatusCode, disconnectReason } = event.requestContext;
    const fail = (message: string): void => ctx.addIssue({ code: 'custom', message });
    if (eventType === 'CONNECT' && !event.headers) fail('CONNECT events carry the handshake headers');
    if (eventType === 'MESSAGE' && (messageId === undefined || event.body === undefined)) {
      fail('MESSAGE events carry a messageId and a body');
    }
    if (eventType === 'MESSAGE' && event.headers) fail('MESSAGE events carry no headers');
    if (eventType !== 'MESSAGE' && messageId !== undefined) fail('only MESSAGE events have a messageId');
    if (
      eventType === 'DISCONNECT' &&
      (disconnectStatusCode === undefined || disconnectReason === undefined)
    ) {
      fail('DISCONNECT events carry disconnectStatusCode and disconnectReason');
    }
  });
