/** Runs work with at most `limit` pieces of it running at once; the rest wait their turn, in order. */
export interface ConcurrencyLimit {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createConcurrencyLimit(limit: number): ConcurrencyLimit {
  let running = 0;
  const waiting: Array<() => void> = [];
  return {
    async run(work) {
      if (running < limit) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } finally {
        // A waiter takes this turn over; the count stays.
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
  };
}
