// Creates or updates the PostgreSQL role of every schema of the manifest (`npm run db:roles`, ADR 0020).
// Run as an administrator (DATABASE_URL); each role's password comes from DB_PASSWORD_<CONTEXT>.
import { createPool, provisionServiceRole } from '@stockflow/postgres';
import { databaseRoles } from '../database-roles.js';

const roles = databaseRoles();
const missing = roles.filter((r) => !process.env[r.passwordVariable]).map((r) => r.passwordVariable);
if (missing.length > 0) {
  console.error(`provision-db-roles: set ${missing.join(', ')} (each role's password)`);
  process.exit(1);
}
const admin = createPool({ max: 1, applicationName: 'provision-db-roles' });
try {
  for (const r of roles) {
    await provisionServiceRole(admin, { role: r.role, schema: r.schema, password: process.env[r.passwordVariable]! });
    console.log(`role ${r.role} owns schema ${r.schema} (for ${r.processes.join(', ')})`);
  }
} finally {
  await admin.end();
}
