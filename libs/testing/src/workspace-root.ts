import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root, where the built entry points are (`apps/<name>/dist/main.js`, …). */
export const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
