// `npm run openapi`: writes docs/openapi/notifier.yaml from the controllers, with no database or broker.
import 'reflect-metadata';
import { controllersOf, runOpenApiWriter } from '@stockflow/platform';
import { NotifierModule, notifierOpenApi } from './notifier.module.js';

await runOpenApiWriter({ name: 'notifier', openApi: notifierOpenApi, controllers: controllersOf(NotifierModule) });
