// The operator dashboard on 127.0.0.1:3000 (see dashboard-server.ts): the page, the projections'
// views relayed, every process's metrics gathered; configuration errors as every process's.
import 'reflect-metadata';
import { runMain } from '@stockflow/platform';
import { DashboardConfig } from './dashboard-config.js';
import { startDashboard } from './dashboard-server.js';

runMain('dashboard', DashboardConfig, (config) => startDashboard(config));
