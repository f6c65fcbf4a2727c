// `npm run config:reference`: writes docs/configuration.md and .env.example from the configuration
// classes. `--check`: writes nothing, exits 1 naming each file that is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_EXAMPLE_PATH, loadSections, REFERENCE_PATH, renderEnvExample, renderReference } from './config-reference.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const sections = loadSections(root);
const files: [string, string][] = [
  [REFERENCE_PATH, renderReference(sections)],
  [ENV_EXAMPLE_PATH, renderEnvExample(sections)],
];
if (process.argv.includes('--check')) {
  const stale = files.filter(([path, content]) => {
    try {
      return readFileSync(resolve(root, path), 'utf8') !== content;
    } catch {
      return true;
    }
  });
  for (const [path] of stale) console.error(`${path} is stale: run npm run config:reference`);
  process.exit(stale.length > 0 ? 1 : 0);
}
for (const [path, content] of files) {
  writeFileSync(resolve(root, path), content);
  console.log(`config-reference: wrote ${path}`);
}
