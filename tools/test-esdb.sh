#!/usr/bin/env bash
# `npm run test:esdb`: everything that touches EventStoreDB, against the real server at
# EVENTSTORE_URL (ADR 0046). `npm test` runs the same against the in-process model of the server;
# CI has no EventStoreDB server (no container engine, no package source for it), so it skips this.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${EVENTSTORE_URL:?set EVENTSTORE_URL to an EventStoreDB/KurrentDB 22.6+ server, e.g. esdb://127.0.0.1:2113?tls=false}"
export EVENTSTORE_URL
run() { echo "test:esdb: $*"; npx nx "$@" --outputStyle=stream --skipNxCache; }
# The adapter's contract suite on the server.
run run eventstoredb:test
# The relay killed and resumed on the server.
run run messaging:test -- --testPathPatterns event-relay-on-eventstoredb
# The service flows of the contexts that can run on it, their logs on the server.
for app in inventory carts orders; do run run "$app:test" -- --selectProjects "$app on EventStoreDB"; done
# The whole system, orders, inventory and carts on the server (notifications stays on PostgreSQL):
# the journeys that judge it through its APIs, streams and notifications, the orders service killed
# mid-saga and the recovery of every process killed under load (they read the logs through the
# port). The other system tests read the PostgreSQL log tables directly: PostgreSQL only.
run run system-tests:test -- --testPathPatterns 'customer-journey|notifications-flow|saga-crash|recovery'
echo "test:esdb: passed against $(node -e 'const u=new URL(process.env.EVENTSTORE_URL);console.log(u.host)')"
