// Writes deploy/nats/stockflow-users.conf from the system manifest (`npm run nats:config`).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderNatsAuthorization } from '@stockflow/messaging';
import { NATS_USERS_CONFIG_HEADER, NATS_USERS_CONFIG_PATH, natsUsers } from '../nats-users.js';

const target = resolve(process.argv[2] ?? NATS_USERS_CONFIG_PATH);
writeFileSync(target, renderNatsAuthorization(natsUsers(), NATS_USERS_CONFIG_HEADER));
console.log(`wrote ${target}`);
