import { describe, expect, it } from '@jest/globals';
import { inQuietHours, releaseTime } from './quiet-hours.js';

describe('quiet hours', () => {
  const night = { start: '22:00', end: '07:00' };

  it('holds inside an overnight window until its end in the customer’s zone', () => {
    // 23:30 in Berlin (CET, UTC+1) on 2025-01-15 → released at 07:00 Berlin = 06:00Z next day.
    const at = new Date('2025-01-15T22:30:00Z');
    expect(inQuietHours(at, 'Europe/Berlin', night)).toBe(true);
    expect(releaseTime(at, 'Europe/Berlin', night).toISOString()).toBe('2025-01-16T06:00:00.000Z');
    // 06:59:30 local → released 30 s later.
    expect(releaseTime(new Date('2025-01-16T05:59:30Z'), 'Europe/Berlin', night).toISOString()).toBe('2025-01-16T06:00:00.000Z');
  });

  it('lets everything through outside the window, and without one', () => {
    const noon = new Date('2025-01-15T11:00:00Z');
    expect(releaseTime(noon, 'Europe/Berlin', night)).toEqual(noon);
    expect(releaseTime(noon, 'Europe/Berlin', null)).toEqual(noon);
    expect(inQuietHours(new Date('2025-01-15T06:00:00Z'), 'Europe/Berlin', night)).toBe(false); // 07:00 exactly: open
  });

  it('daytime windows (start < end) too', () => {
    const at = new Date('2025-06-01T12:15:00Z'); // 08:15 in New York (EDT)
    expect(releaseTime(at, 'America/New_York', { start: '08:00', end: '09:30' }).toISOString()).toBe('2025-06-01T13:30:00.000Z');
  });

  it('across a daylight-saving switch the window still ends at local wall time', () => {
    // Night of 29→30 March 2025 in Berlin: clocks jump 02:00 → 03:00. 23:00 CET = 22:00Z; 07:00 CEST = 05:00Z.
    expect(releaseTime(new Date('2025-03-29T22:00:00Z'), 'Europe/Berlin', night).toISOString()).toBe('2025-03-30T05:00:00.000Z');
    // A window ending inside the skipped hour (02:30) is released just after the gap.
    const release = releaseTime(new Date('2025-03-30T00:10:00Z'), 'Europe/Berlin', { start: '01:00', end: '02:30' });
    expect(release.toISOString()).toBe('2025-03-30T01:00:00.000Z');
  });
});
