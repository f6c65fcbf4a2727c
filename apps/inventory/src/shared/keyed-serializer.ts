/**
 * Runs tasks one after another per key, and tasks of different keys independently. Commands on one
 * SKU stream from this process then never race each other into optimistic-concurrency conflicts
 * (which would cost a re-read and a retry each, and fail outright after the handler's last
 * attempt); writers in other processes are still fenced by the append's expected version.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    const result = previous ? previous.then(task) : task();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves once every task queued so far, and any queued while waiting, has settled. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
