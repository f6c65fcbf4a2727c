import { Module } from '@nestjs/common';

/** The relay serves only the platform's endpoints (health, readiness, metrics). */
@Module({})
export class RelayModule {}
