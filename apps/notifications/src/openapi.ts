// `npm run openapi`: writes docs/openapi/notifications.yaml from the controllers, with no database or broker.
import 'reflect-metadata';
import { controllersOf, runOpenApiWriter } from '@stockflow/platform';
import { NotificationsModule, notificationsOpenApi } from './notifications.module.js';

await runOpenApiWriter({ name: 'notifications', openApi: notificationsOpenApi, controllers: controllersOf(NotificationsModule) });
