import { EVENT_CONSUMERS, consumersOf, contextSubjectPrefix, type SubjectScheme } from '@stockflow/contracts';
import {
  appendNudgeGrant,
  deadLetterReaderGrant,
  deadLetterReplayGrant,
  durableConsumerGrant,
  ownInbox,
  permissionsOf,
  relayGrant,
  streamReaderGrant,
  type NatsGrant,
  type NatsUser,
} from '@stockflow/messaging';
import { READ_SIDE, SERVICES, WORKERS } from './system-manifest.js';

/**
 * The durable consumers each process runs (the contracts' `EVENT_CONSUMERS`): its NATS user may use
 * these and no other; a consumer missing there cannot start under the generated permissions, which
 * the least-privilege system test shows.
 */
export const NATS_CONSUMERS: Readonly<Record<string, readonly { readonly durable: string; readonly sourceContext: string; readonly aggregate: string }[]>> = Object.fromEntries(
  [...new Set(EVENT_CONSUMERS.map((consumer) => consumer.process))].map((process) => [
    process,
    consumersOf(process).map(({ durable, sourceContext, aggregate }) => ({ durable, sourceContext, aggregate })),
  ]),
);

/** The operators' user (nats CLI, provisioning, dead-letter work): every subject. Never given to a process. */
export const NATS_ADMIN_USER = 'stockflow-admin';

/** The projections' replicas share read-model changes here (apps/projections/src/engine/change-feed.ts builds the same subject). */
function projectionChangesSubject(scheme: SubjectScheme): string {
  return `${contextSubjectPrefix('live', scheme)}.projections.changes`;
}

/** The notifier announces new web-inbox rows here; the notifications API forwards them to SSE (apps/notifications/src/shared/live-subject.ts). */
function liveInboxSubjects(scheme: SubjectScheme): string {
  return `${contextSubjectPrefix('live', scheme)}.notifications.inbox.*`;
}

export interface NatsUsersSettings {
  /** Subject namespace (tests); none in production. */
  readonly namespace?: string;
  /** Schema prefix, as in the system manifest (`<prefix>_<context>`). */
  readonly schemaPrefix?: string;
}

/** The environment variable that holds a user's password, on the server and (as NATS_PASSWORD) in the process. */
export function natsPasswordVariable(user: string): string {
  return `NATS_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * One NATS user per process of the manifest that talks to NATS, named as the process, with the
 * permissions derived from what it runs: a relay publishes its context's subjects; a service
 * nudges its relay, may run it (ADR 0043) and uses its own durable consumers; the projections read
 * whole streams; the notifier and the notifications API share the live-inbox subjects. Nobody but
 * a context's service or its standalone relay may publish onto the context's stream. Plus the
 * operators' user.
 */
export function natsUsers(settings: NatsUsersSettings = {}): NatsUser[] {
  const scheme: SubjectScheme = settings.namespace ? { namespace: settings.namespace } : {};
  const schema = (context: string): string => (settings.schemaPrefix ? `${settings.schemaPrefix}_${context}` : context);
  const allDurables = Object.values(NATS_CONSUMERS).flat();
  const consumersOf = (process: string): NatsGrant[] => (NATS_CONSUMERS[process] ?? []).map((c) => durableConsumerGrant(c, scheme));
  const user = (name: string, ...grants: NatsGrant[]): NatsUser => ({ user: name, passwordVariable: natsPasswordVariable(name), permissions: permissionsOf(ownInbox(name), ...grants) });

  const relays = SERVICES.map((s) => user(`relay-${s.name}`, relayGrant(s.name, schema(s.name), scheme)));
  // A service may run its context's relay (ADR 0043), so it holds the relay's grant too.
  const services = SERVICES.map((s) =>
    user(s.name, appendNudgeGrant(schema(s.name), scheme), relayGrant(s.name, schema(s.name), scheme), ...consumersOf(s.name), ...(s.name === 'notifications' ? [{ subscribe: [liveInboxSubjects(scheme)] }] : [])),
  );
  const workers = WORKERS.map((w) =>
    user(w.name, appendNudgeGrant(schema(w.context), scheme), ...consumersOf(w.name), ...(w.context === 'notifications' ? [{ publish: [liveInboxSubjects(scheme)] }] : [])),
  );
  const readSide = READ_SIDE.map((r) => {
    const own = NATS_CONSUMERS[r.name] ?? [];
    const others = allDurables.filter((d) => !own.includes(d)).map((d) => d.durable);
    return user(
      r.name,
      ...own.map((c) => streamReaderGrant(c.sourceContext, `${contextSubjectPrefix(c.sourceContext, scheme)}.${c.aggregate}.>`, [c.durable], others, scheme)),
      // The projections list dead letters per consumer for the dashboard, and their replicas share
      // read-model changes for the SSE clients each serves (apps/projections/src/engine/change-feed.ts).
      ...(r.name === 'projections'
        ? [deadLetterReaderGrant(scheme), deadLetterReplayGrant(scheme), { publish: [projectionChangesSubject(scheme)], subscribe: [projectionChangesSubject(scheme)] }]
        : []),
    );
  });
  return [...relays, ...services, ...workers, ...readSide, { user: NATS_ADMIN_USER, passwordVariable: natsPasswordVariable(NATS_ADMIN_USER), permissions: 'all' }];
}

/** The committed configuration's location and header. */
export const NATS_USERS_CONFIG_PATH = 'deploy/nats/stockflow-users.conf';
export const NATS_USERS_CONFIG_HEADER = [
  'NATS users of stockflow, one per process, with least-privilege permissions (ADR 0020).',
  'Generated from the system manifest by `npm run nats:config`; do not edit (a test fails when it is stale).',
  'Each password is read from the nats-server\'s environment (NATS_PASSWORD_<USER>); the server refuses to start without it.',
];
