import { describe, expect, it } from '@jest/globals';
import { ANY, NO_STREAM, STREAM_EXISTS, type AllStreamResolvedEvent, type ResolvedEvent } from '@eventstore/db-client';
import { counterEvent } from '@stockflow/event-sourcing/testing';
import {
  comparePositions,
  decodeLogPosition,
  encodeLogPosition,
  readStoredMetadata,
  revisionOf,
  streamPositionOf,
  toEventData,
  toExpectedRevision,
  toRecordedEvent,
  toRecordedEventStrict,
  toStreamVersion,
} from './esdb-mapping.js';

const created = new Date('2025-03-04T05:06:07.890Z');
const metadata = { schemaVersion: 1, correlationId: 'corr-1', causationId: 'cause-1', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };

function resolved(overrides: Record<string, unknown> = {}, outer: Partial<AllStreamResolvedEvent> = {}): AllStreamResolvedEvent {
  return {
    event: {
      streamId: 'counter-1',
      id: '6f1c2e64-2c4f-4b8e-9a53-8d1e6f7a9b10',
      isJson: true,
      revision: 4n,
      type: 'CounterIncremented',
      created,
      data: { n: 5 },
      metadata,
      position: { commit: 123_456n, prepare: 123_456n },
      ...overrides,
    } as AllStreamResolvedEvent['event'],
    commitPosition: 123_456n,
    ...outer,
  };
}

describe('expected version → expected revision', () => {
  it('maps the named expectations and 0', () => {
    expect(toExpectedRevision('any')).toBe(ANY);
    expect(toExpectedRevision('no_stream')).toBe(NO_STREAM);
    expect(toExpectedRevision(0)).toBe(NO_STREAM);
    expect(toExpectedRevision('stream_exists')).toBe(STREAM_EXISTS);
  });

  it('maps a 1-based version to the 0-based revision of the last event', () => {
    expect(toExpectedRevision(1)).toBe(0n);
    expect(toExpectedRevision(42)).toBe(41n);
    expect(toExpectedRevision(Number.MAX_SAFE_INTEGER)).toBe(BigInt(Number.MAX_SAFE_INTEGER - 1));
  });

  it('rejects versions that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) expect(() => toExpectedRevision(bad)).toThrow(RangeError);
    expect(() => toExpectedRevision('latest' as never)).toThrow(RangeError);
  });
});

describe('revisions and stream versions', () => {
  it('turns the current revision of a WrongExpectedVersion into a stream version', () => {
    expect(toStreamVersion(NO_STREAM)).toBe(0);
    expect(toStreamVersion(undefined)).toBe(0);
    expect(toStreamVersion(0n)).toBe(1);
    expect(toStreamVersion(9n)).toBe(10);
  });

  it('converts between 0-based revisions and 1-based positions', () => {
    expect(streamPositionOf(0n)).toBe(1);
    expect(revisionOf(1)).toBe(0n);
    expect(revisionOf(streamPositionOf(77n))).toBe(77n);
    expect(() => revisionOf(0)).toThrow(RangeError);
    expect(() => revisionOf(2.5)).toThrow(RangeError);
  });
});

describe('log positions', () => {
  it('encodes commit and prepare as decimals and decodes them back', () => {
    const position = { commit: 18_446_744_073_709_551_615n, prepare: 9_007_199_254_740_993n };
    const encoded = encodeLogPosition(position);
    expect(encoded).toBe('18446744073709551615:9007199254740993');
    expect(decodeLogPosition(encoded)).toEqual(position);
    expect(decodeLogPosition('0:0')).toEqual({ commit: 0n, prepare: 0n });
    expect(decodeLogPosition(null)).toBeNull();
  });

  it('rejects positions of other stores and out-of-range values', () => {
    for (const bad of ['', '12', '12:', ':12', '-1:0', '1:2:3', 'a:b', '1 :2', '18446744073709551616:0', '123456789012345678901:0']) {
      expect(() => decodeLogPosition(bad)).toThrow(RangeError);
    }
  });

  it('orders by commit position, then prepare position', () => {
    const p = (commit: bigint, prepare: bigint) => ({ commit, prepare });
    expect(comparePositions(p(1n, 5n), p(2n, 0n))).toBe(-1);
    expect(comparePositions(p(2n, 0n), p(1n, 5n))).toBe(1);
    expect(comparePositions(p(2n, 1n), p(2n, 3n))).toBe(-1);
    expect(comparePositions(p(2n, 3n), p(2n, 3n))).toBe(0);
    // Not the order of the encoded strings.
    expect(comparePositions(decodeLogPosition('10:10')!, decodeLogPosition('9:9')!)).toBe(1);
  });
});

describe('event to append → EventData', () => {
  it('sends the event id, type and JSON data, and the envelope fields as JSON metadata', () => {
    const event = counterEvent(7, { causationId: 'cause-9' });
    const data = toEventData(event);
    expect(data).toEqual({
      id: event.eventId,
      contentType: 'application/json',
      type: 'CounterIncremented',
      data: { n: 7 },
      metadata: { schemaVersion: 1, correlationId: 'corr-1', causationId: 'cause-9', traceparent: event.traceparent },
    });
  });

  it('keeps null causation and trace ids as null', () => {
    const data = toEventData(counterEvent(1, { causationId: null, traceparent: null }));
    expect(data.metadata).toMatchObject({ causationId: null, traceparent: null });
  });
});

describe('stored metadata', () => {
  it('reads what toEventData writes', () => {
    expect(readStoredMetadata(toEventData(counterEvent(1)).metadata)).toEqual({
      schemaVersion: 1,
      correlationId: 'corr-1',
      causationId: null,
      traceparent: counterEvent(1).traceparent,
    });
  });

  it('treats missing optional fields as null and anything else as not ours', () => {
    expect(readStoredMetadata({ schemaVersion: 2, correlationId: 'c' })).toEqual({ schemaVersion: 2, correlationId: 'c', causationId: null, traceparent: null });
    for (const foreign of [undefined, null, 'x', [], new Uint8Array([1]), {}, { schemaVersion: '1', correlationId: 'c' }, { schemaVersion: 1 }, { schemaVersion: 1, correlationId: 'c', causationId: 3 }]) {
      expect(readStoredMetadata(foreign)).toBeNull();
    }
  });
});

describe('resolved event → RecordedEvent', () => {
  it('maps every envelope field', () => {
    expect(toRecordedEvent(resolved())).toEqual({
      eventId: '6f1c2e64-2c4f-4b8e-9a53-8d1e6f7a9b10',
      type: 'CounterIncremented',
      schemaVersion: 1,
      streamId: 'counter-1',
      streamPosition: 5,
      globalPosition: 123_456,
      occurredAt: '2025-03-04T05:06:07.890Z',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      traceparent: metadata.traceparent,
      data: { n: 5 },
      logPosition: '123456:123456',
    });
  });

  it('takes positions from the recorded event, or from the commit position when the server sends only that', () => {
    expect(toRecordedEvent(resolved({ position: { commit: 900n, prepare: 850n } }))).toMatchObject({ globalPosition: 900, logPosition: '900:850' });
    const withoutRecordPosition = resolved({ position: undefined }, { commitPosition: 777n });
    expect(toRecordedEvent(withoutRecordPosition)).toMatchObject({ globalPosition: 777, logPosition: '777:777' });
  });

  it('drops system, link, binary and foreign events', () => {
    expect(toRecordedEvent(resolved({ type: '$statsCollected', streamId: '$stats-127.0.0.1:2113' }))).toBeNull();
    expect(toRecordedEvent(resolved({ type: '$metadata', streamId: '$$counter-1' }))).toBeNull();
    expect(toRecordedEvent(resolved({ type: '$>', streamId: '$ce-counter' }))).toBeNull();
    expect(toRecordedEvent(resolved({ streamId: '$projections-x' }))).toBeNull();
    expect(toRecordedEvent(resolved({ isJson: false, data: new Uint8Array([1]) }))).toBeNull();
    expect(toRecordedEvent(resolved({ metadata: undefined }))).toBeNull();
    expect(toRecordedEvent({ commitPosition: 1n })).toBeNull();
  });

  it('is strict for stream reads: an event the port cannot carry is an error, with the reason', () => {
    const streamRead = (overrides: Record<string, unknown>): ResolvedEvent => ({ event: resolved(overrides).event as ResolvedEvent['event'] });
    expect(toRecordedEventStrict(streamRead({}))).toMatchObject({ streamPosition: 5, logPosition: '123456:123456' });
    expect(() => toRecordedEventStrict(streamRead({ position: undefined }))).toThrow(/22\.6/);
    expect(() => toRecordedEventStrict(streamRead({ metadata: { foreign: true } }))).toThrow(/not written through the EventStore port/);
  });
});
