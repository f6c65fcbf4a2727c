import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { apiDocument, type ApiService, type OpenApiDocument } from './api-documents.js';

// ajv-formats is CommonJS: under NodeNext its plugin is the default export's `default`.
const addFormats = (formats as unknown as { default: (ajv: Ajv) => Ajv }).default;

type Json = Record<string, unknown>;

export interface ApiClientOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:3001`. */
  readonly baseUrl: string;
  /** The bearer token to send, if any; asked for each request, so it may change. */
  readonly token?: () => string | undefined;
  /** Checks every JSON answer against the service's document; throws `ContractMismatch` on the first that differs. Default true. */
  readonly validateResponses?: boolean;
}

/** An answer whose status or body the service's OpenAPI document does not describe. */
export class ContractMismatch extends Error {}

/**
 * A typed client of one stockflow service (openapi-fetch over the types generated from its
 * document), which by default also holds every answer against the document: a status the operation
 * does not list, or a JSON body its schema refuses, throws. So a journey driven through it proves
 * the documents, not only the types.
 */
export function apiClient<Paths extends object>(service: ApiService, options: ApiClientOptions): Client<Paths> {
  const client = createClient<Paths>({ baseUrl: options.baseUrl });
  const token = options.token;
  if (token) {
    client.use({
      onRequest({ request }) {
        const value = token();
        if (value) request.headers.set('authorization', `Bearer ${value}`);
        return request;
      },
    });
  }
  if (options.validateResponses ?? true) client.use(responseValidator(service, apiDocument(service)));
  return client;
}

/** The openapi-fetch middleware that holds each answer against `document`. */
export function responseValidator(service: string, document: OpenApiDocument): Middleware {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'stockflow-api', components: rebased(document.components ?? {}) });
  const validators = new Map<string, ValidateFunction>();
  const validatorOf = (key: string, schema: Json): ValidateFunction => {
    const known = validators.get(key);
    if (known) return known;
    const validate = ajv.compile(rebased(schema) as object);
    validators.set(key, validate);
    return validate;
  };
  return {
    async onResponse({ request, response, schemaPath }) {
      const method = request.method.toLowerCase();
      const operation = document.paths[schemaPath]?.[method] as Json | undefined;
      const where = `${service} ${request.method} ${schemaPath} → ${response.status}`;
      if (!operation) throw new ContractMismatch(`${where}: no such operation in the document`);
      const answers = (operation['responses'] ?? {}) as Record<string, Json>;
      const answer = resolveResponse(document, answers[String(response.status)] ?? answers['default']);
      if (!answer) throw new ContractMismatch(`${where}: the document lists no such status (it lists ${Object.keys(answers).join(', ')})`);
      const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
      if (response.status === 204 || !mediaType.endsWith('json')) return undefined;
      const media = ((answer['content'] ?? {}) as Record<string, Json>)[mediaType];
      if (!media) throw new ContractMismatch(`${where}: answered ${mediaType}, the document says ${Object.keys((answer['content'] ?? {}) as Json).join(', ') || 'no body'}`);
      const body = (await response.clone().json()) as unknown;
      const validate = validatorOf(`${schemaPath} ${method} ${response.status} ${mediaType}`, (media['schema'] ?? {}) as Json);
      if (!validate(body)) throw new ContractMismatch(`${where}: the body differs from the document: ${ajv.errorsText(validate.errors)}; body ${JSON.stringify(body).slice(0, 400)}`);
      return undefined;
    },
  };
}

function resolveResponse(document: OpenApiDocument, answer: Json | undefined): Json | undefined {
  const ref = answer?.['$ref'];
  if (typeof ref !== 'string') return answer;
  return (document.components?.['responses'] as Record<string, Json> | undefined)?.[ref.split('/').pop()!];
}

/**
 * The schema as JSON Schema for Ajv: `#/components/...` references pointed at the document's
 * components (registered once), and OpenAPI 3.0's `nullable: true` read as every OpenAPI tool reads
 * it (openapi-typescript types it `T | null`), "null, or the rest of the schema" — also where the
 * rest is an `allOf` of a reference, which plain JSON Schema would check against null too.
 */
function rebased(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebased);
  if (!schema || typeof schema !== 'object') return schema;
  const mapped = Object.fromEntries(
    Object.entries(schema as Json).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `stockflow-api${value}` : rebased(value)]),
  );
  if (mapped['nullable'] !== true) return mapped;
  delete mapped['nullable'];
  return { anyOf: [{ type: 'null' }, mapped] };
}
