import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.js';
import { chatPatchSchema } from '../../shared/chatActions.js';
import { afterSeqSchema, chatStartSchema, messageSendSchema } from '../../shared/schemas.js';
import { ticketEventsInput } from '../../shared/agentSchemas.js';
import { HTTP_STATUS } from '../errors.js';
import { agentRestOperations } from './agentRestOperations.js';
import { inputJsonSchema, type RestOperation } from './restOperation.js';

/**
 * `GET /openapi.json` (PROTOCOL §13): an OpenAPI 3.1 document of every HTTP endpoint, generated
 * from the zod schemas that validate the requests (zod's own `z.toJSONSchema`, whose JSON
 * Schema 2020-12 is OpenAPI 3.1's dialect). The agent REST face is described from its
 * operation table; `/api/chat` and the event stream, mounted by hand, are declared below with
 * their schemas. tests/openapi.test.ts fails when an Express route under /api has no entry.
 */

type JsonSchema = Record<string, unknown>;

const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional().describe('With VALIDATION: field path → message'),
    retryAfterMs: z.number().optional().describe('With RATE_LIMITED: how long to wait'),
  }),
});

const ERROR_MEANING: Partial<Record<ErrorCode, string>> = {
  VALIDATION: 'VALIDATION: the input is invalid (`fields` names each bad field)',
  UNAUTHORIZED: 'UNAUTHORIZED: missing, wrong or revoked token',
  FORBIDDEN: 'FORBIDDEN: not allowed (an agent calling an admin endpoint, a browser origin not allowed)',
  NOT_FOUND: 'NOT_FOUND: no such thing',
  CLOSED: 'CLOSED or CONFLICT: the chat is closed, or the change collides with what is stored',
  RATE_LIMITED: 'RATE_LIMITED: too many requests; see Retry-After',
  UNAVAILABLE: 'UNAVAILABLE: the database (or Redis) cannot be reached; retry after Retry-After',
};

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

function errorResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), ERROR_MEANING[code] ?? code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, meanings]) => [
      String(status),
      { description: meanings.join('; '), content: json({ $ref: '#/components/schemas/Error' }) },
    ]),
  );
}

const AGENT_ERRORS: ErrorCode[] = ['VALIDATION', 'UNAUTHORIZED', 'NOT_FOUND', 'CLOSED', 'RATE_LIMITED', 'UNAVAILABLE'];

/** The properties of an object schema, with the given ones (path parameters) taken out. */
function withoutProperties(schema: JsonSchema, names: string[]): JsonSchema {
  const properties = { ...(schema.properties as Record<string, JsonSchema> | undefined) };
  for (const name of names) delete properties[name];
  const required = (schema.required as string[] | undefined)?.filter((name) => !names.includes(name));
  return { ...schema, properties, ...(required ? { required } : {}) };
}

function operationEntry(operation: RestOperation): Record<string, unknown> {
  const schema = inputJsonSchema(operation);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const pathNames = Object.keys(operation.pathParams ?? {});
  const parameters: unknown[] = pathNames.map((name) => ({
    name,
    in: 'path',
    required: true,
    description: operation.pathParams![name],
    schema: operation.toInput ? { type: 'string' } : (properties[name] ?? { type: 'string' }),
  }));
  let requestBody: unknown;
  if (operation.method === 'get') {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries(properties)) {
      if (pathNames.includes(name)) continue;
      // A described input (`.describe()`) documents its parameter, as /docs shows it.
      const { description, ...schema } = property;
      parameters.push({ name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema });
    }
  } else {
    requestBody = { required: true, content: json(withoutProperties(schema, pathNames)) };
  }
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: [operation.tag],
    security: [{ agentToken: [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [String(operation.status)]: { description: operation.responds, content: json({ type: 'object' }) },
      ...errorResponses(operation.admin ? [...AGENT_ERRORS, 'FORBIDDEN'] : AGENT_ERRORS),
    },
  };
}

/** §3: the chat API for customers without a socket (English messages; `Accept-Language` picks others). */
function chatApiPaths(): Record<string, unknown> {
  const chatErrors: ErrorCode[] = ['VALIDATION', 'UNAUTHORIZED', 'FORBIDDEN', 'CLOSED', 'RATE_LIMITED', 'UNAVAILABLE'];
  const resume = [{ resumeToken: [] }];
  return {
    '/api/chat': {
      put: {
        operationId: 'startChat',
        summary: 'Start a chat: finds or creates the customer, opens a chat ticket and its session',
        tags: ['chat'],
        requestBody: { required: true, content: json(jsonSchemaOf(chatStartSchema({ locale: 'en', defaultRegion: 'BR' }))) },
        responses: {
          '201': { description: '`{ sessionId, resumeToken, ticketId, ticketNumber }`', content: json({ type: 'object' }) },
          ...errorResponses(chatErrors),
        },
      },
      post: {
        operationId: 'sendChatMessage',
        summary: "Send a message as the chat's customer (idempotent by clientMsgId)",
        tags: ['chat'],
        security: resume,
        requestBody: { required: true, content: json(jsonSchemaOf(messageSendSchema({ locale: 'en' }))) },
        responses: { '201': { description: 'the Message', content: json({ type: 'object' }) }, ...errorResponses(chatErrors) },
      },
      patch: {
        operationId: 'closeChat',
        summary: 'Close the chat (`action: "close"`), rate it (`"rate"`, once) or have its transcript e-mailed (`"transcript"`)',
        tags: ['chat'],
        security: resume,
        requestBody: { required: true, content: json(jsonSchemaOf(chatPatchSchema)) },
        responses: { '200': { description: '`{ status: "closed" }`', content: json({ type: 'object' }) }, ...errorResponses(chatErrors) },
      },
      get: {
        operationId: 'readChat',
        summary: 'The messages after `afterSeq` (at most 200; `hasMore` tells whether to ask again)',
        tags: ['chat'],
        security: resume,
        parameters: [{ name: 'afterSeq', in: 'query', required: false, schema: (jsonSchemaOf(afterSeqSchema).properties as JsonSchema).afterSeq }],
        responses: {
          '200': { description: '`{ sessionId, ticketNumber, status, messages, hasMore }`', content: json({ type: 'object' }) },
          ...errorResponses(chatErrors),
        },
      },
    },
    '/api/chat/availability': {
      get: {
        operationId: 'chatAvailability',
        summary: 'Whether a live chat can start now: `{ online: true }`, or `{ online: false, reason: "closed" | "no_agents" }` (PROTOCOL §9)',
        tags: ['chat'],
        responses: {
          '200': {
            description: '`closed`: outside business hours (also when no agent is online); `no_agents`: nobody online and routing is not manual',
            content: json({
              type: 'object',
              properties: { online: { type: 'boolean' }, reason: { type: 'string', enum: ['closed', 'no_agents'] } },
              required: ['online'],
            }),
          },
          ...errorResponses(['RATE_LIMITED', 'UNAVAILABLE']),
        },
      },
    },
  };
}

/** §13: the agent event stream, Server-Sent Events that resume by `Last-Event-ID`. */
function eventStreamPath(): Record<string, unknown> {
  const ticketId = (jsonSchemaOf(ticketEventsInput.unwrap()).properties as JsonSchema).ticketId;
  return {
    '/api/v1/events': {
      get: {
        operationId: 'streamEvents',
        summary: 'Agent events as Server-Sent Events, each with `id: <eventId>`; reconnect with Last-Event-ID to miss none',
        description: [
          'Every event carries `eventId`, increasing across the cluster in commit order. A client that reconnects with',
          '`Last-Event-ID` (or `?lastEventId=`) first receives every event after it — from the database, on any node,',
          'after any restart — then live ones, each once. The stream begins with an event `ready` whose id is the',
          'position it starts from. When the id is older than EVENT_REPLAY_HOURS (or unknown), the stream sends an',
          'event `reset` (re-read what you need) and goes on live. `chat.typing` is live only, without id.',
        ].join(' '),
        tags: ['events'],
        security: [{ agentToken: [] }],
        parameters: [
          { name: 'ticketId', in: 'query', required: false, description: "Only this ticket's events", schema: ticketId },
          { name: 'lastEventId', in: 'query', required: false, description: 'As the Last-Event-ID header', schema: { type: 'string', pattern: '^\\d+$' } },
          { name: 'Last-Event-ID', in: 'header', required: false, description: 'The id of the last event received', schema: { type: 'string', pattern: '^\\d+$' } },
        ],
        responses: {
          '200': {
            description: 'An endless `text/event-stream`: `event: <type>`, `id: <eventId>`, `data: <the event as JSON>`',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errorResponses(['VALIDATION', 'UNAUTHORIZED', 'RATE_LIMITED', 'UNAVAILABLE']),
        },
      },
    },
  };
}

/** The whole document; the same for every request, so built once per node. */
export function buildOpenApiDocument(operations: RestOperation[] = agentRestOperations): Record<string, unknown> {
  const paths = { ...chatApiPaths(), ...eventStreamPath() } as Record<string, Record<string, unknown>>;
  for (const operation of operations) {
    paths[operation.path] = { ...paths[operation.path], [operation.method]: operationEntry(operation) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Atende HTTP API',
      version: '1',
      description:
        'The chat API for customers without a socket (§3) and the agent REST face (§13) of Atende. Errors are ' +
        '`{ "error": { "code", "message", "fields"? } }`. Agents authenticate with `Authorization: Bearer <API token>`; ' +
        'the same calls exist over tRPC at /trpc.',
    },
    servers: [{ url: '/' }],
    tags: ['tickets', 'chats', 'clients', 'metrics', 'agents', 'events', 'chat'].map((name) => ({ name })),
    components: {
      securitySchemes: {
        agentToken: { type: 'http', scheme: 'bearer', description: "An agent's API token" },
        resumeToken: { type: 'http', scheme: 'bearer', description: 'The resumeToken `PUT /api/chat` answered' },
      },
      schemas: { Error: jsonSchemaOf(errorBodySchema) },
    },
    paths,
  };
}
