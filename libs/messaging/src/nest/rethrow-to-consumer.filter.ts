import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands a consumer handler's error to the durable consumer as it was thrown. Nest's default RPC
 * filter replaces every error but an RpcException with `{ status: 'error', message: 'Internal
 * server error' }`, so the consumer could not tell a PoisonMessageError (dead-letter it now) from a
 * transient failure (retry with backoff). Register it on every microservice that uses JetStreamTransport.
 */
@Catch()
export class RethrowToConsumer implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
