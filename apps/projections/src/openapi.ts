// `npm run openapi`: writes docs/openapi/projections.yaml from the controllers, with no database or broker.
import 'reflect-metadata';
import { runOpenApiWriter } from '@stockflow/platform';
import { PROJECTIONS_CONTROLLERS, projectionsOpenApi } from './projections.service.js';

// No event log of its own, so no idempotency store: its POSTs (rebuild, replay) do not take Idempotency-Key.
await runOpenApiWriter({ name: 'projections', openApi: projectionsOpenApi, controllers: PROJECTIONS_CONTROLLERS, idempotentPosts: false });
