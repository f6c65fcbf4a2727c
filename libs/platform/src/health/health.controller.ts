import { Controller, Get, Inject, Req, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { ProblemDetailsException, ProblemTypes } from '../problem-details/problem-details.js';
import { OptionalAuth, Public, requestCaller } from '../auth/access.js';
import { AuthScopes } from '../auth/caller.js';
import { AUTH_ENABLED } from '../auth/auth-config.js';
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
    @Inject(AUTH_ENABLED) private readonly authEnabled: boolean,
  ) {}

  @Get('live')
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  live(): Promise<HealthCheckResult> {
    return this.check([
      () => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()), pid: process.pid }),
    ]);
  }

  /**
   * With authentication on, an anonymous caller (a load balancer's or Kubernetes' probe) gets the
   * verdict alone — 200 `{ status: "ok" }` or 503 — and an operator or metrics scraper every check's
   * detail (ADR 0025).
   */
  @Get('ready')
  @OptionalAuth()
  @HealthCheck({ swaggerDocumentation: false })
  async ready(@Req() request: object): Promise<HealthCheckResult | { status: string }> {
    const caller = requestCaller(request);
    const detailed = !this.authEnabled || caller?.kind === 'operator' || caller?.scopes.has(AuthScopes.metrics) === true;
    if (!detailed) {
      try {
        return { status: (await this.readyChecks()).status };
      } catch (error) {
        if (!(error instanceof ProblemDetailsException)) throw error;
        throw new ProblemDetailsException({ status: 503, type: ProblemTypes.serviceUnavailable, title: 'Service Unavailable', detail: 'The service is not ready.' });
      }
    }
    return this.readyChecks();
  }

  private readyChecks(): Promise<HealthCheckResult> {
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
