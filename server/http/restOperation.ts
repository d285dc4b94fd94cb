import type { Request, RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { AgentRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { ServiceContext } from '../services/context.js';
import { parsePayload } from '../validation.js';

export type HttpMethod = 'get' | 'post' | 'patch' | 'put';

/**
 * One endpoint of the agent REST face (PROTOCOL §13), declared once: Express mounts it and
 * the OpenAPI document describes it from the same declaration. `input` is the very zod schema
 * tRPC validates the same call with; the request's path parameters, query string (for GET) or
 * JSON body (otherwise) are put together into one object and parsed by it.
 */
export interface RestOperation<S extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** OpenAPI form: `/api/v1/tickets/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  input: S;
  /** Path parameters and what they mean; they become properties of the input. */
  pathParams?: Record<string, string>;
  /** Builds the service's input from the request parts, when it is not their plain union. */
  toInput?(parts: { params: Record<string, string>; query: Record<string, unknown>; body: unknown }): unknown;
  /** The JSON Schema the parts are documented with, when the input's own would mislead. */
  documentedInput?: Record<string, unknown>;
  /** Admins only: another agent is FORBIDDEN (as tRPC's adminProcedure). */
  admin?: boolean;
  /** Success status: 200 unless it creates something. */
  status: 200 | 201;
  /** What the answer holds, for people (the shapes are those of the tRPC procedure named). */
  responds: string;
  handle(input: z.output<S>, agent: AgentRow, ctx: ServiceContext): Promise<unknown>;
}

/** Declares an operation with its handler typed by its input schema. */
export function restOperation<S extends z.ZodType>(operation: RestOperation<S>): RestOperation {
  return operation as unknown as RestOperation;
}

/** `/api/v1/tickets/{id}` → `/tickets/:id`: Express's form, under the router's mount point `base`. */
export function expressPath(path: string, base: string): string {
  if (!path.startsWith(`${base}/`)) throw new Error(`${path} is not under ${base}`);
  return path.slice(base.length).replace(/\{(\w+)\}/g, ':$1');
}

/** The input's JSON Schema (what a caller sends), as OpenAPI 3.1 (JSON Schema 2020-12) takes it. */
export function inputJsonSchema(operation: RestOperation): Record<string, unknown> {
  if (operation.documentedInput) return operation.documentedInput;
  const schema = z.toJSONSchema(operation.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

/**
 * Query strings carry text only: a value is turned into the number or boolean that the
 * input's JSON Schema declares for its property, so the tRPC schema parses it unchanged.
 */
function coerceQuery(query: Record<string, unknown>, schema: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, { type?: string; anyOf?: Array<{ type?: string }> }>;
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    const types = new Set([properties[key]?.type, ...(properties[key]?.anyOf ?? []).map((option) => option.type)]);
    if (typeof value === 'string' && (types.has('integer') || types.has('number')) && /^-?\d+(\.\d+)?$/.test(value)) {
      out[key] = Number(value);
    } else if (typeof value === 'string' && types.has('boolean') && (value === 'true' || value === 'false')) {
      out[key] = value === 'true';
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Mounts each operation on the router (which Express mounts at `base`) behind `authenticate`,
 * answering JSON with its status.
 */
export function mountOperations(
  router: Router,
  base: string,
  operations: RestOperation[],
  ctx: ServiceContext,
  authenticate: (req: Request) => Promise<AgentRow>,
): void {
  for (const operation of operations) {
    const schema = inputJsonSchema(operation);
    const handler: RequestHandler = async (req, res) => {
      // Authenticated before the input is read: a caller without a token learns nothing of it.
      const agent = await authenticate(req);
      if (operation.admin && agent.role !== 'admin') throw new AppError('FORBIDDEN', 'This needs an admin agent');
      const params = req.params as Record<string, string>;
      const query = coerceQuery(req.query as Record<string, unknown>, schema);
      const body: unknown = req.body;
      const parts = { params, query, body };
      const raw = operation.toInput
        ? operation.toInput(parts)
        : { ...(operation.method === 'get' ? query : isObject(body) ? body : {}), ...params };
      const input = parsePayload(operation.input, raw);
      const result = await operation.handle(input, agent, ctx);
      res.status(operation.status).json(result);
    };
    router[operation.method](expressPath(operation.path, base), handler);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
