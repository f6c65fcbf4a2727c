/**
 * Thrown by a handler for a message that can never succeed (it breaks a business invariant, it
 * refers to something that cannot exist). It goes to the dead-letter stream at once, unretried.
 */
export class PoisonMessageError extends Error {
  constructor(message: string, readonly reason = 'rejected-by-handler') {
    super(message);
    this.name = 'PoisonMessageError';
  }
}
