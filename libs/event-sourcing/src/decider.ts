/**
 * A pure aggregate: `decide` turns a command and the current state into new events (or throws a
 * DomainError); `evolve` folds one event into the state. No I/O, no framework.
 */
export interface Decider<TCommand, TEvent extends { type: string; data: unknown }, TState> {
  decide(command: TCommand, state: TState): TEvent[];
  evolve(state: TState, event: TEvent): TState;
  initialState(): TState;
}
