/** Where the generated AsyncAPI document lives, relative to the workspace root. */
export const ASYNCAPI_PATH = 'docs/asyncapi.yaml';
/** Where each released catalog is kept, as `<version>.yaml` (ADR 0035). */
export const ASYNCAPI_RELEASES_DIR = 'docs/asyncapi';
/**
 * The catalog version (`info.version`): bumped with the first change after a release (minor for an
 * additive change; a breaking change is a new event version, never an edit of an old one).
 */
export const ASYNCAPI_VERSION = '1.1.0';
