/**
 * Runs jobs with the same key one after another inside this process.
 *
 * Medusa's Postgres locking holds a database connection while it waits for an
 * advisory lock: twenty requests waiting for one cart would take the whole
 * pool and starve the request that holds the lock. Queueing them here first
 * means each process waits on the database lock with one connection per key.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>()

  async run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let done!: () => void
    const tail = previous.then(() => new Promise<void>((resolve) => (done = resolve)))
    this.tails.set(key, tail)
    await previous
    try {
      return await job()
    } finally {
      done()
      if (this.tails.get(key) === tail) {
        this.tails.delete(key)
      }
    }
  }
}
