// `npm run asyncapi`: writes docs/asyncapi.yaml from the event catalog. With `--release` it also
// keeps this version as docs/asyncapi/<version>.yaml, the reference the breaking-change gate holds
// the next changes to (ADR 0035); a released version is never rewritten.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { buildAsyncApiDocument } from '../asyncapi.js';
import { allEventDefinitions } from '../catalog.js';
import { ASYNCAPI_PATH, ASYNCAPI_RELEASES_DIR, ASYNCAPI_VERSION } from '../asyncapi-location.js';

const release = process.argv.includes('--release');
const target = resolve(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? ASYNCAPI_PATH);
const text = stringify(buildAsyncApiDocument(allEventDefinitions, ASYNCAPI_VERSION));
writeFileSync(target, text);
console.log(`wrote ${target}`);
if (release) {
  const kept = resolve(ASYNCAPI_RELEASES_DIR, `${ASYNCAPI_VERSION}.yaml`);
  if (existsSync(kept) && readFileSync(kept, 'utf8') !== text) {
    console.error(`${kept} is released already and differs: bump ASYNCAPI_VERSION in libs/contracts/src/asyncapi-location.ts first`);
    process.exit(1);
  }
  mkdirSync(resolve(ASYNCAPI_RELEASES_DIR), { recursive: true });
  writeFileSync(kept, text);
  console.log(`released ${kept}`);
}
