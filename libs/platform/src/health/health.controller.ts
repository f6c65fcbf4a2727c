import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { ProblemDetailsException, ProblemTypes } from '../problem-details/problem-details.js';
import { ReadinessChecks } from './readiness.js';

/**
 * `GET /health/live` — the process is up and serving (no dependency is checked, so a database
 * outage never gets the container restarted); `GET /health/ready` — every readiness check passes,
 * else 503 problem+json with the result of each check under `checks`.
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(ReadinessChecks) private readonly readiness: ReadinessChecks,
  ) {}

  @Get('live')
  @HealthCheck({ swaggerDocumentation: false })
  live(): Promise<HealthCheckResult> {
    return this.check([
      () => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()), pid: process.pid }),
    ]);
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  ready(): Promise<HealthCheckResult> {
    return this.check(
      this.readiness.list().map(({ name, check, timeoutMs }) => async () => {
        const session = this.indicators.check(name);
        const started = performance.now();
        try {
          const result = await withTimeout(check(), timeoutMs);
          const data = { ...withoutStatus(result.details), responseTime: Math.round(performance.now() - started) };
          return result.healthy ? session.up(data) : session.down(data);
        } catch (error) {
          return session.down({ message: error instanceof Error ? error.message : String(error) });
        }
      }),
      'ready',
    );
  }

  private async check(indicators: HealthIndicatorFunction[], probe = 'live'): Promise<HealthCheckResult> {
    try {
      return await this.health.check(indicators);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const checks = error.getResponse() as HealthCheckResult;
      const failing = Object.keys(checks.error ?? {});
      throw new ProblemDetailsException({
        status: 503,
        type: ProblemTypes.serviceUnavailable,
        title: 'Service Unavailable',
        detail:
          checks.status === 'shutting_down'
            ? 'The service is shutting down.'
            : `Health check "${probe}" failed: ${failing.join(', ') || 'unknown'}.`,
        checks,
      });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout of ${ms}ms exceeded`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `status` is terminus's own key in an indicator's data. */
function withoutStatus(details: object | undefined): Record<string, unknown> {
  if (!details) return {};
  const { status, ...rest } = details as Record<string, unknown>;
  return status === undefined ? rest : { ...rest, checkStatus: status };
}
