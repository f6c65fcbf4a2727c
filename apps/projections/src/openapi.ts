// `npm run openapi`: writes docs/openapi/projections.yaml from the controllers, with no database or broker.
import 'reflect-metadata';
import { runOpenApiWriter } from '@stockflow/platform';
import { PROJECTIONS_CONTROLLERS, projectionsOpenApi } from './projections.service.js';

await runOpenApiWriter({ name: 'projections', openApi: projectionsOpenApi, controllers: PROJECTIONS_CONTROLLERS });
