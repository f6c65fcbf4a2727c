// The operator dashboard on 127.0.0.1:3000 (see dashboard-server.ts): the page, the projections'
// views relayed, every process's metrics gathered; configuration errors as every process's.
import 'reflect-metadata';
import { refuseOpenAccessOutsideDevelopment, runMain } from '@stockflow/platform';
import { DashboardConfig, signInClientOf } from './dashboard-config.js';
import { startDashboard } from './dashboard-server.js';

runMain('dashboard', DashboardConfig, (config) => {
  // Outside development, no one sees the dashboard without signing in as an operator (ADR 0025).
  refuseOpenAccessOutsideDevelopment('dashboard', config);
  signInClientOf(config);
  return startDashboard(config);
});
