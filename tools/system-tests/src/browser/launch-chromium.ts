import { chromium, type Browser } from 'playwright-core';
import { lookUpChromium, systemFacts } from '../machine/find-tool.js';

/**
 * Headless Chromium for the browser tests, from the path the `system-tests:ensure-test-tools` target
 * made sure of (Debian's package; playwright-core downloads no browser).
 */
export function launchChromium(): Promise<Browser> {
  const lookup = lookUpChromium(systemFacts());
  if (lookup.kind !== 'found') throw new Error(lookup.kind === 'missing' ? lookup.line : 'browser tests: no Chromium; run npx nx run system-tests:ensure-test-tools');
  return chromium.launch({ executablePath: lookup.path, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}
