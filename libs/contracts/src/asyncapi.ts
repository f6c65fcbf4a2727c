import { Type, type TSchema } from '@sinclair/typebox';
import type { EventDefinition } from './event-definition.js';
import { EnvelopeHeaders } from './envelope.js';
import { readerSchema } from './compatibility.js';
import { EVENT_CONSUMERS, type EventConsumer } from './consumers.js';
import { contextStreamName, subjectOf } from './subjects.js';

/** JSON Schema of the envelope around a payload schema. */
export function envelopeSchema(payload: TSchema, type: string, schemaVersion: number): TSchema {
  return Type.Object(
    {
      eventId: Type.String({ format: 'uuid' }),
      type: Type.Literal(type),
      schemaVersion: Type.Literal(schemaVersion),
      streamId: Type.String(),
      streamPosition: Type.Integer({ minimum: 1 }),
      globalPosition: Type.Integer({ minimum: 1 }),
      occurredAt: Type.String({ format: 'date-time' }),
      correlationId: Type.String(),
      causationId: Type.Union([Type.String(), Type.Null()]),
      traceparent: Type.Union([Type.String(), Type.Null()]),
      data: payload,
    },
    { additionalProperties: false },
  );
}

const messageHeaders = Type.Object({
  'Nats-Msg-Id': Type.String({ format: 'uuid', description: 'The eventId; JetStream drops duplicates by it.' }),
  [EnvelopeHeaders.eventType]: Type.String(),
  [EnvelopeHeaders.schemaVersion]: Type.String(),
  [EnvelopeHeaders.logPosition]: Type.String({ description: 'Opaque position in the source event log.' }),
  [EnvelopeHeaders.correlationId]: Type.String(),
  [EnvelopeHeaders.traceparent]: Type.Optional(Type.String()),
});

/** Drops TypeBox's symbol keys and normalises to plain JSON. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const NATS_BINDING = { nats: { bindingVersion: '0.1.0' } };

/** The headers a dead-lettering consumer adds to the original message (libs/messaging/src/dead-letter.ts). */
const deadLetterHeaders = Type.Object({
  'Stockflow-Dlq-Reason': Type.Union(
    ['malformed-message', 'not-relayed', 'unknown-type', 'unknown-version', 'invalid-payload', 'rejected-by-handler', 'max-deliveries'].map((reason) => Type.Literal(reason)),
  ),
  'Stockflow-Dlq-Error': Type.Optional(Type.String({ description: 'The error, cut to 1,000 characters; no personal data' })),
  'Stockflow-Dlq-Consumer': Type.String({ description: 'The durable that gave up' }),
  'Stockflow-Dlq-Source-Stream': Type.String(),
  'Stockflow-Dlq-Source-Subject': Type.String(),
  'Stockflow-Dlq-Source-Sequence': Type.String(),
  'Stockflow-Dlq-Deliveries': Type.String({ description: 'How often it was delivered before it was given up' }),
});

const liveInboxMessage = Type.Object(
  {
    id: Type.Integer({ description: 'The inbox row (notificationId)' }),
    customerId: Type.String(),
    sku: Type.String(),
    kind: Type.String({ examples: ['back-in-stock'] }),
    title: Type.String(),
    body: Type.String(),
    link: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { description: 'A new web-inbox row, as GET /customers/{id}/notifications shows it' },
);

/**
 * Builds the AsyncAPI 3 document of the event catalog, versioned with it (`version`): one channel
 * per event subject with each event version as a message (readers' schemas: unknown fields
 * tolerated, ADR 0035); a `send` operation per event by its context's relay and a `receive`
 * operation per event each durable consumer handles (`EVENT_CONSUMERS`); each consumer's
 * dead-letter subject; the append nudges and the live inbox on core NATS. JetStream details (stream,
 * subject filter, deduplication by `Nats-Msg-Id`, the relay's `Nats-Expected-Last-Msg-Id` chain) are
 * in `x-stockflow-jetstream`, as the NATS binding has no fields for them.
 */
export function buildAsyncApiDocument(definitions: readonly EventDefinition[], version: string, consumers: readonly EventConsumer[] = EVENT_CONSUMERS): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const sorted = [...definitions].sort((a, b) => subjectOf(a).localeCompare(subjectOf(b)));
  const byType = new Map(definitions.map((def) => [def.type, def]));
  for (const def of sorted) {
    const channelId = `${def.context}.${def.aggregate}.${def.type}`;
    const channelMessages: Record<string, unknown> = {};
    for (const v of def.versions) {
      const messageId = `${def.type}.v${v.version}`;
      messages[messageId] = {
        name: def.type,
        title: `${def.type} v${v.version}`,
        summary: def.description,
        contentType: 'application/json',
        headers: plain(messageHeaders),
        payload: plain(envelopeSchema(readerSchema(v.schema), def.type, v.version)),
        ...(v.version < def.currentVersion ? { description: `Superseded by v${def.currentVersion}; consumers upcast it.` } : {}),
      };
      channelMessages[messageId] = { $ref: `#/components/messages/${messageId}` };
    }
    channels[channelId] = {
      address: subjectOf(def),
      description: `${def.description} Stored in JetStream stream ${contextStreamName(def.context)}.`,
      messages: channelMessages,
      'x-stockflow-jetstream': {
        stream: contextStreamName(def.context),
        streamSubjects: `${def.context}.>`,
        deduplication: 'Nats-Msg-Id is the eventId: JetStream drops a re-publication within its duplicate window',
        ordering: "one relay per context publishes the context's log in order, each message chained to the previous by Nats-Expected-Last-Msg-Id (ADR 0003)",
        namespace: 'a deployment may prefix every subject and stream with a namespace: [<ns>.]<context>.<aggregate>.<Type>',
      },
    };
    operations[`publish${def.type}`] = {
      action: 'send',
      summary: `The ${def.context} relay publishes ${def.type} from the ${def.context} event log.`,
      channel: { $ref: `#/channels/${channelId}` },
      bindings: NATS_BINDING,
      'x-stockflow-publisher': `relay-${def.context}`,
    };
  }
  for (const consumer of consumers) {
    for (const type of consumer.handles) {
      const def = byType.get(type);
      if (!def) throw new Error(`consumer ${consumer.durable} handles ${type}, which the catalog does not define`);
      operations[`${consumer.durable}.receive${type}`] = {
        action: 'receive',
        summary: `${consumer.process} (durable ${consumer.durable}) ${consumer.purpose}.`,
        channel: { $ref: `#/channels/${def.context}.${def.aggregate}.${def.type}` },
        bindings: NATS_BINDING,
        'x-stockflow-consumer': {
          durable: consumer.durable,
          process: consumer.process,
          filterSubject: `${def.context}.${def.aggregate}.>`,
          ack: 'explicit, after the handler committed; redelivered with backoff; dead-lettered on a poison message or after the last delivery (ADR 0004)',
          deadLetters: `dlq.${consumer.durable}`,
        },
      };
    }
    const dlqChannel = `dlq.${consumer.durable}`;
    channels[dlqChannel] = {
      address: dlqChannel,
      description: `Messages ${consumer.durable} could not handle: the original message unchanged, with why in Stockflow-Dlq-* headers. JetStream stream DEAD_LETTERS (kept 14 days).`,
      messages: { DeadLetter: { $ref: '#/components/messages/DeadLetter' } },
      'x-stockflow-jetstream': { stream: 'DEAD_LETTERS', streamSubjects: 'dlq.>' },
    };
    operations[`${consumer.durable}.deadLetter`] = {
      action: 'send',
      summary: `${consumer.process} dead-letters what ${consumer.durable} cannot handle.`,
      channel: { $ref: `#/channels/${dlqChannel}` },
      bindings: NATS_BINDING,
    };
  }
  messages['DeadLetter'] = {
    name: 'DeadLetter',
    title: 'A dead letter',
    summary: 'The message a consumer gave up on, body and headers unchanged, plus why.',
    contentType: 'application/json',
    headers: plain(Type.Intersect([messageHeaders, deadLetterHeaders])),
    payload: { type: 'object', description: 'The original event envelope, unchanged' },
  };
  channels['appendNudge'] = {
    address: '_appended.{schema}',
    description:
      'Core NATS, not stored: a service says "the log in schema {schema} has new events" so that its relay reads at once instead of at its next poll. A hint only: a lost nudge costs one poll interval, never an event.',
    parameters: { schema: { description: "The event log's PostgreSQL schema, e.g. inventory" } },
    messages: { AppendNudge: { $ref: '#/components/messages/AppendNudge' } },
  };
  messages['AppendNudge'] = { name: 'AppendNudge', title: 'New events were appended', payload: { type: 'string', maxLength: 0, description: 'Empty' } };
  operations['nudgeRelay'] = { action: 'send', summary: 'A service nudges its relay after an append.', channel: { $ref: '#/channels/appendNudge' }, bindings: NATS_BINDING };
  operations['relayWakesOnNudge'] = { action: 'receive', summary: 'The relay of the schema reads its log now.', channel: { $ref: '#/channels/appendNudge' }, bindings: NATS_BINDING };
  channels['liveInbox'] = {
    address: 'live.notifications.inbox.{customerToken}',
    description:
      "Core NATS, not stored: the notifier announces a new web-inbox row after its commit; the notifications API forwards it to the customer's Server-Sent Events stream. Outside the notifications.> stream on purpose (only the relay writes there).",
    parameters: { customerToken: { description: 'The customer id when it is subject-safe ([A-Za-z0-9_-]+), else ~ and its UTF-8 in base64url' } },
    messages: { LiveInboxRow: { $ref: '#/components/messages/LiveInboxRow' } },
  };
  messages['LiveInboxRow'] = { name: 'LiveInboxRow', title: 'A new web-inbox row', contentType: 'application/json', payload: plain(liveInboxMessage) };
  operations['announceInboxRow'] = { action: 'send', summary: 'The notifier announces a web notification it committed.', channel: { $ref: '#/channels/liveInbox' }, bindings: NATS_BINDING };
  operations['forwardInboxRow'] = { action: 'receive', summary: "The notifications API forwards it to the customer's SSE stream.", channel: { $ref: '#/channels/liveInbox' }, bindings: NATS_BINDING };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'stockflow events',
      version,
      description:
        'Every event stockflow services publish on NATS JetStream, who publishes and who consumes it, and the core-NATS subjects beside them. ' +
        'The message body is the event envelope; Nats-Msg-Id carries the eventId so that JetStream deduplicates re-publication. ' +
        'Compatibility (ADR 0035): an event version only ever gains optional fields, so readers ignore fields they do not know; anything else is a new version with an upcaster. ' +
        'info.version is the catalog version; every released version is kept under docs/asyncapi/.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:4222', protocol: 'nats', description: 'Local NATS with JetStream' },
    },
    channels,
    operations,
    components: { messages },
  };
}
