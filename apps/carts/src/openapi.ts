// `npm run openapi`: writes docs/openapi/carts.yaml from the controllers, with no database or broker.
import 'reflect-metadata';
import { controllersOf, runOpenApiWriter } from '@stockflow/platform';
import { CartsModule, cartsOpenApi } from './carts.module.js';

await runOpenApiWriter({ name: 'carts', openApi: cartsOpenApi, controllers: controllersOf(CartsModule) });
