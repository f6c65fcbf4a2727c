import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { declareSecurity } from '../auth/openapi-security.js';
import { ProblemDocument } from '../problem-details/problem-document.js';
import { applyHttpConventions } from './http-conventions-document.js';

export interface OpenApiOptions {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
}

/**
 * The issuer named in a document made without a deployment (`npm run openapi`): a deployment's
 * `/docs-json` names its own `AUTH_ISSUER` instead. Only the discovery URL differs between the two.
 */
export const DOCUMENTED_ISSUER = 'https://identity.example.com/';

/**
 * The OpenAPI document of a service, made the same way at run time (`/docs-json`) and without one
 * (`npm run openapi`): Nest's scan of the controllers (each operation names its operationId with `@ApiOperation`), the security each
 * route's access marker asks for, and the platform's HTTP conventions (problem+json answers,
 * `Idempotency-Key`) added to every operation from one place.
 */
export function describeApi(app: INestApplication, options: OpenApiOptions, issuer: string | null, conventions: { readonly idempotentPosts: boolean } = { idempotentPosts: true }): OpenAPIObject {
  const builder = new DocumentBuilder().setTitle(options.title).setVersion(options.version).setLicense('MIT', 'https://opensource.org/licenses/MIT');
  if (options.description) builder.setDescription(options.description);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ProblemDocument] });
  const secured = declareSecurity(document, issuer ?? DOCUMENTED_ISSUER);
  return applyHttpConventions(secured, conventions);
}
