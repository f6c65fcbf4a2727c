// Writes docs/asyncapi.yaml from the event catalog (`npm run asyncapi`).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { buildAsyncApiDocument } from '../asyncapi.js';
import { allEventDefinitions } from '../catalog.js';
import { ASYNCAPI_PATH, ASYNCAPI_VERSION } from '../asyncapi-location.js';

const target = resolve(process.argv[2] ?? ASYNCAPI_PATH);
writeFileSync(target, stringify(buildAsyncApiDocument(allEventDefinitions, ASYNCAPI_VERSION)));
console.log(`wrote ${target}`);
