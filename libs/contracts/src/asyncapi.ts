import { Type, type TSchema } from '@sinclair/typebox';
import type { EventDefinition } from './event-definition.js';
import { EnvelopeHeaders } from './envelope.js';
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

/**
 * Builds the AsyncAPI 3 document for every event in the catalog: one channel per subject, one
 * `send` operation per channel by the owning context, one message per event version (old
 * versions stay documented because stored events and late consumers still carry them).
 */
export function buildAsyncApiDocument(definitions: readonly EventDefinition[], version: string): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const sorted = [...definitions].sort((a, b) => subjectOf(a).localeCompare(subjectOf(b)));
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
        payload: plain(envelopeSchema(v.schema, def.type, v.version)),
        ...(v.version < def.currentVersion ? { description: `Superseded by v${def.currentVersion}; consumers upcast it.` } : {}),
      };
      channelMessages[messageId] = { $ref: `#/components/messages/${messageId}` };
    }
    channels[channelId] = {
      address: subjectOf(def),
      description: `${def.description} Stored in JetStream stream ${contextStreamName(def.context)}.`,
      messages: channelMessages,
    };
    operations[`publish${def.type}`] = {
      action: 'send',
      summary: `The ${def.context} relay publishes ${def.type} from the ${def.context} event log.`,
      channel: { $ref: `#/channels/${channelId}` },
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'stockflow events',
      version,
      description:
        'Every event stockflow services publish on NATS JetStream. The message body is the event envelope; ' +
        'Nats-Msg-Id carries the eventId so that JetStream deduplicates re-publication.',
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
