/** One sample of the Prometheus text format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the samples of the named metrics out of a /metrics answer. */
export function parseMetrics(text: string, names: ReadonlySet<string>): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match || !names.has(match[1]!)) continue;
    const labels: Record<string, string> = {};
    for (const l of (match[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

export const WATCHED_METRICS = new Set([
  'http_server_request_duration_seconds_count',
  'events_appended_total',
  'relay_lag_events',
  'relay_leader',
  'consumer_lag_messages',
  'dead_letters_total',
  'projection_lag_events',
  'projection_lag_seconds',
]);

export interface ProcessHealth {
  readonly up: boolean;
  /** Commands answered with success so far (POST, PUT, PATCH, DELETE with a 2xx status): the page derives a rate. */
  readonly commands: number;
  /** Events appended to the process's event store so far. */
  readonly eventsAppended: number;
  /** The lag of the context's relay when this process runs it (`relay_leader` 1, ADR 0043), else null. */
  readonly relayLag: number | null;
  readonly consumerLag: Record<string, number>;
  readonly deadLetters: number;
  readonly projectionLag: Record<string, { events: number; ms: number }>;
}

const COMMAND_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The figures the dashboard shows for one process. */
export function summarize(samples: readonly Sample[]): ProcessHealth {
  let relayLag: number | null = null;
  let relayLeader = false;
  let deadLetters = 0;
  let commands = 0;
  let eventsAppended = 0;
  const consumerLag: Record<string, number> = {};
  const projectionLag: Record<string, { events: number; ms: number }> = {};
  for (const s of samples) {
    if (s.name === 'http_server_request_duration_seconds_count') {
      if (COMMAND_METHODS.has(s.labels['method'] ?? '') && (s.labels['status_code'] ?? '').startsWith('2')) commands += s.value;
    } else if (s.name === 'events_appended_total') eventsAppended += s.value;
    else if (s.name === 'relay_lag_events') relayLag = s.value;
    else if (s.name === 'relay_leader') relayLeader = s.value === 1;
    else if (s.name === 'consumer_lag_messages') consumerLag[s.labels['consumer'] ?? '?'] = s.value;
    else if (s.name === 'dead_letters_total') deadLetters += s.value;
    else if (s.name === 'projection_lag_events') (projectionLag[s.labels['projection'] ?? '?'] ??= { events: 0, ms: 0 }).events = s.value;
    else if (s.name === 'projection_lag_seconds') (projectionLag[s.labels['projection'] ?? '?'] ??= { events: 0, ms: 0 }).ms = s.value * 1000;
  }
  return { up: true, commands, eventsAppended, relayLag: relayLeader ? relayLag : null, consumerLag, deadLetters, projectionLag };
}
