#!/usr/bin/env node
// `npm run ops -- …` (the `stockflow` bin of @stockflow/ops): the operator's toolbox (ADR 0036). One NATS connection,
// opened only by the commands that need it.
import { connectNats, type NatsConnection } from '@stockflow/messaging';
import { processContext, runCli } from './cli.js';
import { natsOperations } from './operations.js';

let connection: NatsConnection | undefined;
const namespaceArg = process.argv.findIndex((arg) => arg === '--namespace' || arg.startsWith('--namespace='));
const namespaceValue = namespaceArg < 0 ? undefined : process.argv[namespaceArg]!.includes('=') ? process.argv[namespaceArg]!.split('=')[1] : process.argv[namespaceArg + 1];
const namespace = namespaceValue ?? (process.env['NATS_NAMESPACE'] || undefined);

const context = processContext(async () => {
  connection ??= await connectNats({ name: 'stockflow-ops' });
  return natsOperations(connection, { namespace });
});

try {
  process.exitCode = await runCli(process.argv.slice(2), context);
} catch (error) {
  process.stderr.write(`stockflow: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await connection?.close();
}
