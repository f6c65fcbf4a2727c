// One context's relay: its PostgreSQL event log → its JetStream stream (ADR 0003), with health,
// readiness (PostgreSQL, NATS, lag, stuck) and Prometheus metrics over HTTP.
import 'reflect-metadata';
import { runMain } from '@stockflow/platform';
import { RelayConfig } from './relay-config.js';
import { startRelayService } from './relay-service.js';

runMain((env) => `relay-${env['RELAY_CONTEXT'] ?? 'unknown'}`, RelayConfig, (config) => startRelayService(config));
