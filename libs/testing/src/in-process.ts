/**
 * How a test runs a service in-process: on a port the operating system picks (so no two runs can
 * want the same one), and without taking over the test runner's signals.
 */
export const IN_PROCESS = { port: 0, handleSignals: false } as const;
