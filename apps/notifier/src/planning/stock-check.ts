import { Inject, Injectable } from '@nestjs/common';
import { ClientCredentialsTokens, PG_POOL, SERVICE_CONFIG, SERVICE_LOGGER } from '@stockflow/platform';
import { quoteSchema } from '@stockflow/postgres';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { NotifierConfig } from '../notifier-config.js';

/**
 * The stock a wave is sized by, re-checked before each wave: inventory's REST API (`GET /skus/:sku`
 * → `available`), or — when it does not answer in time — the figures of the last StockLevelChanged
 * the notifier consumed. Null when neither knows.
 */
@Injectable()
export class StockCheck {
  private readonly s: string;
  /** The notifier's own token for inventory's API (ADR 0025), when it has a client. */
  private readonly tokens: ClientCredentialsTokens | null;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotifierConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.s = quoteSchema(config.DB_SCHEMA);
    this.tokens =
      config.AUTH_ISSUER && config.AUTH_CLIENT_ID && config.AUTH_CLIENT_SECRET
        ? new ClientCredentialsTokens({ issuer: config.AUTH_ISSUER, clientId: config.AUTH_CLIENT_ID, clientSecret: config.AUTH_CLIENT_SECRET, scope: 'service' })
        : null;
  }

  async available(sku: string): Promise<{ available: number | null; source: 'inventory' | 'events' | 'unknown' }> {
    try {
      const response = await fetch(`${this.config.INVENTORY_URL.replace(/\/$/, '')}/skus/${encodeURIComponent(sku)}`, {
        signal: AbortSignal.timeout(this.config.INVENTORY_TIMEOUT_MS),
        headers: this.tokens ? await this.tokens.headers() : {},
      });
      if (response.ok) {
        const body = (await response.json()) as { available?: unknown };
        if (typeof body.available === 'number') return { available: body.available, source: 'inventory' };
      } else if (response.status === 404) {
        return { available: 0, source: 'inventory' };
      }
    } catch (error) {
      this.logger.debug({ err: error, sku }, 'inventory did not answer the stock check; using the consumed stock levels');
    }
    const { rows } = await this.pool.query<{ available: number | null }>(`SELECT available FROM ${this.s}.sku_stock WHERE sku = $1`, [sku]);
    const known = rows[0]?.available;
    return typeof known === 'number' ? { available: known, source: 'events' } : { available: null, source: 'unknown' };
  }
}
