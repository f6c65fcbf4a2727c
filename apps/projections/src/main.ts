// The projections service: read models (stock, customer orders, carts) kept current from the
// context streams, a query API, an SSE change stream and a rebuild endpoint.
import 'reflect-metadata';
import { runMain } from '@stockflow/platform';
import { ProjectionsConfig } from './projections-config.js';
import { startProjectionsService } from './projections.service.js';

runMain('projections', ProjectionsConfig, (config) => startProjectionsService(config));
