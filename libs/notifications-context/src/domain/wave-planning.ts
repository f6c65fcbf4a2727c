// Fair waves for a back-in-stock restock (ADR 0007): a restock of N units tells at most N waiting
// customers, first subscribed first. Each wave is sized to the stock now less the units held by this
// restock's offers that have not lapsed yet. Pure: the planner reads the figures, this decides.

export interface WaveFigures {
  /** Units available now; null when unknown (the restock's own figure is used then). */
  readonly availableNow: number | null;
  /** The units the restock's event announced. */
  readonly restockAvailable: number | null;
  /** Units held by this restock's offers younger than the offer window. */
  readonly held: number;
  /** The highest wave number so far (0 before the first). */
  readonly lastWave: number;
  /** At most this many are told per wave slice (WAVE_SIZE). */
  readonly waveSize: number;
}

export type WaveDecision =
  /** Out of stock: the restock ends, the rest wait for the next one. */
  | { readonly kind: 'close'; readonly reason: 'no stock left' }
  /** Every unit is held by a live offer: the next wave waits until the oldest offer lapses. */
  | { readonly kind: 'defer'; readonly wave: number; readonly reason: 'every unit is held by a live offer' }
  /** Tell up to `room` more (`firstSlice` of them in this wave's first slice), in wave `wave`. */
  | { readonly kind: 'pick'; readonly wave: number; readonly room: number; readonly firstSlice: number };

export function decideWave(f: WaveFigures): WaveDecision {
  if (f.availableNow !== null && f.availableNow <= 0) return { kind: 'close', reason: 'no stock left' };
  const room = (f.availableNow ?? f.restockAvailable ?? 0) - f.held;
  if (room <= 0) return { kind: 'defer', wave: f.lastWave + 1, reason: 'every unit is held by a live offer' };
  return { kind: 'pick', wave: f.lastWave + 1, room, firstSlice: Math.min(room, f.waveSize) };
}

/**
 * How a wave's `room` is split into parallel slices of at most `waveSize` (at most `parallelism`
 * of them), each taking a disjoint part of the queue head.
 */
export function waveSlices(room: number, waveSize: number, parallelism: number): number[] {
  const slices: number[] = [];
  for (let left = room; left > 0 && slices.length < parallelism; left -= waveSize) slices.push(Math.min(left, waveSize));
  return slices;
}
