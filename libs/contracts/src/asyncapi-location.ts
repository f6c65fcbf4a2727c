/** Where the generated AsyncAPI document lives, relative to the workspace root. */
export const ASYNCAPI_PATH = 'docs/asyncapi.yaml';
/** Bumped when the event contracts change in a way consumers must notice. */
export const ASYNCAPI_VERSION = '1.0.0';
