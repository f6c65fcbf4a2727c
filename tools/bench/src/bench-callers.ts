// Who the benchmark's requests come from: bearer tokens from the system's development identity
// provider (ADR 0025, 0026), so the figures include verifying them. Customers' tokens are minted
// before a phase starts (`prepareCustomers`), so no measured command waits for one.
import { bearer, devTokens, type DevTokens } from '@stockflow/dev-identity';
import { pool } from './http-client.js';

export type BenchCaller = { readonly operator: true } | { readonly customer: string };

export const OPERATOR: BenchCaller = { operator: true };
export const asCustomer = (customer: string): BenchCaller => ({ customer });

export class BenchCallers {
  private readonly tokens: DevTokens;

  constructor(issuer: string) {
    this.tokens = devTokens(issuer);
  }

  /** `{ authorization: 'Bearer …' }` for `caller`. */
  async headers(caller: BenchCaller): Promise<Record<string, string>> {
    return bearer('operator' in caller ? await this.tokens.operator('bench-operator') : await this.tokens.customer(caller.customer));
  }

  /** Mints (and keeps) the tokens of `customers` ahead of the load. */
  async prepareCustomers(customers: readonly string[]): Promise<void> {
    await pool(customers, 16, async (customer) => void (await this.tokens.customer(customer)));
  }
}
