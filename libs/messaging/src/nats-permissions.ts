import { contextStreamName, contextSubjectPrefix, type SubjectScheme } from '@stockflow/contracts';
import { appendNudgeSubject } from './append-nudge.js';
import { natsInboxPrefix } from './nats-connection.js';
import { deadLetterStreamSpec, deadLetterSubjectPrefix, replayStreamSpec, replaySubjectPrefix } from './stream-provisioning.js';

/**
 * What one NATS user may publish and subscribe to (nats-server `permissions`). Deny wins over allow.
 * These builders say which subjects the messaging code of this library uses, so that a process's
 * permissions are derived from what it runs, never written by hand (ADR 0020).
 */
export interface NatsPermissions {
  readonly publish: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[]; readonly deny: readonly string[] };
}

/** One grant: subjects to add to a user's allow (and deny) lists. */
export interface NatsGrant {
  readonly publish?: readonly string[];
  readonly subscribe?: readonly string[];
  readonly denyPublish?: readonly string[];
}

/** `$JS.API.INFO`: every JetStream manager asks it once, to see that JetStream is on. */
export const JETSTREAM_ACCOUNT_INFO = '$JS.API.INFO';

/** Reading a stream's state, and creating it when it is missing (`ensureStream`); not changing it. */
export function streamProvisioning(stream: string, options: { update?: boolean } = {}): NatsGrant {
  return {
    publish: [
      `$JS.API.STREAM.INFO.${stream}`,
      `$JS.API.STREAM.CREATE.${stream}`,
      ...(options.update ? [`$JS.API.STREAM.UPDATE.${stream}`] : []),
    ],
  };
}

/** Replies (JetStream API answers, publish acks, pulled messages) land on the user's own inbox prefix only. */
export function ownInbox(user: string): NatsGrant {
  return { subscribe: [`${natsInboxPrefix(user)}.>`] };
}

/**
 * A context's relay (ADR 0003): the only publisher of the context's subjects; it provisions and
 * updates the context's stream, reads the stream's last message to resume, and listens for the
 * append nudges of the schema it relays.
 */
export function relayGrant(context: string, schema: string, scheme: SubjectScheme = {}): NatsGrant {
  const stream = contextStreamName(context, scheme);
  return merge(
    { publish: [`${contextSubjectPrefix(context, scheme)}.>`, JETSTREAM_ACCOUNT_INFO, `$JS.API.STREAM.MSG.GET.${stream}`], subscribe: [appendNudgeSubject(schema, scheme)] },
    streamProvisioning(stream, { update: true }),
  );
}

/** A writer of an event log: it nudges the log's relay after each commit (a hint, core NATS). */
export function appendNudgeGrant(schema: string, scheme: SubjectScheme = {}): NatsGrant {
  return { publish: [appendNudgeSubject(schema, scheme)] };
}

/** What a consumer of a context's stream names: the stream and its durable (`[<ns>.]dlq.<durable>` gets its dead letters). */
export interface ConsumerOfStream {
  readonly sourceContext: string;
  readonly durable: string;
}

/**
 * One durable pull consumer (DurableEventConsumer, ADR 0004) on its own durable only: create,
 * update or delete it (the 2.9 API names the consumer and its filter in the subject), read its state, pull
 * from it, acknowledge its messages, and dead-letter onto its own `dlq.<durable>` subject. It may
 * create (not change) its source stream and the dead-letter stream, so it can start before the
 * producing relay has ever run.
 */
export function durableConsumerGrant(consumer: ConsumerOfStream, scheme: SubjectScheme = {}): NatsGrant {
  const stream = contextStreamName(consumer.sourceContext, scheme);
  const replay = replayStreamSpec(scheme).name;
  const { durable } = consumer;
  return merge(
    { publish: [JETSTREAM_ACCOUNT_INFO, ...ownDurable(stream, durable), `${deadLetterSubjectPrefix(scheme)}.${durable}`] },
    // Its replay side (ADR 0036): the same durable name on the replay stream, filtered to `replay.<durable>`.
    { publish: ownDurable(replay, durable) },
    streamProvisioning(stream),
    streamProvisioning(deadLetterStreamSpec(scheme).name),
    streamProvisioning(replay),
  );
}

/** Everything one durable pull consumer does with itself on `stream`. */
function ownDurable(stream: string, durable: string): string[] {
  return [
    `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
    // A consumer with an external checkpoint re-creates its durable at the checkpoint.
    `$JS.API.CONSUMER.DELETE.${stream}.${durable}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    `$JS.ACK.${stream}.${durable}.>`,
  ];
}

/**
 * A reader of whole streams that makes consumers of its own as it goes (the projections: durables
 * it deletes and re-creates at its checkpoint, ordered consumers with generated names for a
 * replay). Consumer names cannot be matched by prefix, so it may use any consumer of the stream
 * except those of other processes (`othersDurables`), always with its own filter subject.
 */
export function streamReaderGrant(sourceContext: string, filter: string, ownDurables: readonly string[], othersDurables: readonly string[], scheme: SubjectScheme = {}): NatsGrant {
  const stream = contextStreamName(sourceContext, scheme);
  return merge(
    {
      publish: [
        JETSTREAM_ACCOUNT_INFO,
        `$JS.API.CONSUMER.INFO.${stream}.*`,
        `$JS.API.CONSUMER.DELETE.${stream}.*`,
        `$JS.API.CONSUMER.CREATE.${stream}.*.${filter}`,
        `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
        `$JS.ACK.${stream}.*.>`,
        ...ownDurables.map((durable) => `${deadLetterSubjectPrefix(scheme)}.${durable}`),
      ],
      denyPublish: othersDurables.flatMap((durable) => [
        `$JS.API.CONSUMER.*.${stream}.${durable}`,
        `$JS.API.CONSUMER.*.${stream}.${durable}.>`,
        `$JS.API.CONSUMER.*.*.${stream}.${durable}`,
        `$JS.ACK.${stream}.${durable}.>`,
      ]),
    },
    streamProvisioning(stream),
    streamProvisioning(deadLetterStreamSpec(scheme).name),
  );
}

/**
 * Reads the dead-letter stream without consuming it (the operators' list of dead letters per
 * consumer): its subjects with their counts, and single messages by subject (first and last).
 */
export function deadLetterReaderGrant(scheme: SubjectScheme = {}): NatsGrant {
  const stream = deadLetterStreamSpec(scheme).name;
  return { publish: [`$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.MSG.GET.${stream}`] };
}

/**
 * Sending dead letters back to their consumer (ADR 0036, the dashboard's replay through the
 * projections service): publish on `[<ns>.]replay.>`, delete a replayed dead letter, and create the
 * replay stream if it is not there yet.
 */
export function deadLetterReplayGrant(scheme: SubjectScheme = {}): NatsGrant {
  const dlq = deadLetterStreamSpec(scheme).name;
  return merge({ publish: [JETSTREAM_ACCOUNT_INFO, `${replaySubjectPrefix(scheme)}.>`, `$JS.API.STREAM.MSG.DELETE.${dlq}`] }, streamProvisioning(replayStreamSpec(scheme).name));
}

/** Grants combined into permissions, each subject once, in a stable order. */
export function permissionsOf(...grants: readonly NatsGrant[]): NatsPermissions {
  const all = merge(...grants);
  return {
    publish: { allow: [...(all.publish ?? [])], deny: [...(all.denyPublish ?? [])] },
    subscribe: { allow: [...(all.subscribe ?? [])], deny: [] },
  };
}

function merge(...grants: readonly NatsGrant[]): NatsGrant {
  const unique = (lists: (readonly string[] | undefined)[]): string[] => [...new Set(lists.flatMap((list) => list ?? []))];
  return {
    publish: unique(grants.map((g) => g.publish)),
    subscribe: unique(grants.map((g) => g.subscribe)),
    denyPublish: unique(grants.map((g) => g.denyPublish)),
  };
}

/** One user of the nats-server configuration; its password is read from an environment variable of the server. */
export interface NatsUser {
  readonly user: string;
  readonly passwordVariable: string;
  readonly permissions: NatsPermissions | 'all';
}

/**
 * A nats-server `authorization` block. Passwords are `$VARIABLE` references the server resolves
 * from its environment at start (it refuses to start when one is missing), so the file holds no
 * secret and can be committed.
 */
export function renderNatsAuthorization(users: readonly NatsUser[], header: readonly string[] = []): string {
  const list = (subjects: readonly string[]): string[] => subjects.map((s, i) => `            ${JSON.stringify(s)}${i < subjects.length - 1 ? ',' : ''}`);
  const side = (name: string, p: { allow: readonly string[]; deny: readonly string[] }): string[] => [
    `        ${name}: {`,
    '          allow: [',
    ...list(p.allow),
    '          ]',
    ...(p.deny.length ? ['          deny: [', ...list(p.deny), '          ]'] : []),
    '        }',
  ];
  const lines = [...header.map((line) => `# ${line}`), 'authorization {', '  users = ['];
  for (const u of users) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(u.passwordVariable)) throw new RangeError(`invalid password variable ${u.passwordVariable}`);
    lines.push('    {', `      user: ${JSON.stringify(u.user)}`, `      password: $${u.passwordVariable}`);
    if (u.permissions === 'all') lines.push('      permissions: { publish: ">", subscribe: ">" }');
    else lines.push('      permissions: {', ...side('publish', u.permissions.publish), ...side('subscribe', u.permissions.subscribe), '      }');
    lines.push('    }');
  }
  lines.push('  ]', '}', '');
  return lines.join('\n');
}
