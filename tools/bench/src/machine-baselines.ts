/**
 * Raw limits of the 2-core machine this project is measured on (shared/reference/machine-baselines.md,
 * medians). Results are reported as ratios against these, since absolute figures vary by machine.
 */
export const MACHINE_BASELINES = {
  pgAppendOneWriterPrepared: 3_984,
  pgAppend25WritersPrepared: 14_561,
  jetStreamPipelinedPublishMsgId: 35_994,
  jetStreamPipelinedPublish: 38_568,
  jetStreamDurableConsume: 80_746,
  /** NestJS 12 + Fastify + ValidationPipe answering a validated POST with no I/O (row 3). */
  nestFastifyValidationReqPerS: 16_949,
} as const;
