// `npm run openapi` (after the documents): writes libs/api-client/src/generated/<service>.ts, the
// TypeScript types openapi-typescript makes of each docs/openapi/<service>.yaml.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { API_SERVICES } from '../api-documents.js';
import { generatedTypes } from '../generated-types.js';

for (const service of API_SERVICES) {
  const target = fileURLToPath(new URL(`../../src/generated/${service}.ts`, import.meta.url));
  await writeFile(target, await generatedTypes(service));
  console.log(`api-client: wrote ${target}`);
}
