/** Least time between two typing states a socket forwards: at most twice a second. */
export const TYPING_INTERVAL_MS = 500;

export interface TypingRelay {
  /** The visitor's latest typing state, as often as the client likes to send it. */
  update(isTyping: boolean): void;
  /** The socket is gone: nothing more is forwarded. */
  stop(): void;
}

/**
 * One socket's typing, forwarded to agents only when it changes and at most once per
 * TYPING_INTERVAL_MS, so a flood of `typing` events costs the bus and the agents' streams a
 * handful of events. The latest state is never lost: a change inside the interval is
 * forwarded when it ends (unless it was changed back meanwhile).
 */
export function createTypingRelay(forward: (isTyping: boolean) => void): TypingRelay {
  let forwarded: boolean | undefined;
  let forwardedAt = -Infinity;
  let latest: boolean | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function flush(): void {
    timer = undefined;
    if (stopped || latest === undefined || latest === forwarded) return;
    const wait = forwardedAt + TYPING_INTERVAL_MS - Date.now();
    if (wait > 0) {
      timer = setTimeout(flush, wait);
      return;
    }
    forwarded = latest;
    forwardedAt = Date.now();
    forward(latest);
  }

  return {
    update(isTyping) {
      latest = isTyping;
      if (!timer) flush();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
