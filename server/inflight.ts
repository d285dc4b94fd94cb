/** Counts work in progress so shutdown can wait for in-flight writes to finish. */
export function createInflightTracker() {
  let active = 0;
  let waiters: Array<() => void> = [];

  function settle() {
    active--;
    if (active === 0) {
      const done = waiters;
      waiters = [];
      for (const resolve of done) resolve();
    }
  }

  return {
    get active() {
      return active;
    },
    async track<T>(work: () => Promise<T>): Promise<T> {
      active++;
      try {
        return await work();
      } finally {
        settle();
      }
    },
    /** Resolves when nothing is in flight, or after `timeoutMs`, whichever comes first. */
    drain(timeoutMs: number): Promise<void> {
      if (active === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

export type InflightTracker = ReturnType<typeof createInflightTracker>;
