// Issue 14's drill, short (the long one is `npm run bench:scale`): a three-node NATS cluster and two
// replicas of every process under a steady load; one NATS node and then one replica of each process
// killed with SIGKILL and brought back. It asserts the invariants and reports the latency per phase;
// it never fails on a slow machine, only on a broken invariant.
import { describe, expect, it } from '@jest/globals';
import { drillReportLines, runScaleDrill } from './scale-drill.js';

describe('beyond one machine: the drill (3-node NATS cluster, two replicas of everything)', () => {
  it('loses, doubles and oversells nothing through the loss of a NATS node and of one replica of each process', async () => {
    const report = await runScaleDrill({ ratePerSecond: 15, phaseMs: 6_000, progress: (line) => console.info(`drill: ${line}`) });
    console.info(['scale drill (15 commands/s, phases of 6 s):', ...drillReportLines(report)].join('\n'));
    const { invariants } = report;
    expect(invariants.ordersAccepted).toBeGreaterThan(50);
    expect(invariants.ordersNotFinal).toBe(0);
    expect(invariants.ordersPlacedTwice).toBe(0);
    expect(invariants.receiptsNotAppliedOnce).toEqual([]);
    expect(invariants.oversoldSkus).toEqual([]);
    expect(invariants.readModelMismatches).toEqual([]);
    expect(invariants.readModelMismatchesAfterRebuild).toEqual([]);
    expect(invariants.notificationMisses).toEqual([]);
    expect(invariants.consumersWithPending).toEqual([]);
    // Every command got an answer below 500 in the steady phases, first try or second replica.
    for (const phase of report.phases.filter((p) => p.phase.startsWith('steady'))) expect(phase.failed).toBe(0);
  }, 900_000);
});
