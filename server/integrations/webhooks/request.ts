/** One HTTP attempt of a webhook delivery, and the wait before the next one. */

export interface AttemptResult {
  ok: boolean;
  /** The receiver's HTTP status; null when no answer came. */
  statusCode: number | null;
  /** Why it failed, for the delivery log; null on success. */
  error: string | null;
}

export interface AttemptOptions {
  timeoutMs: number;
  /** Aborts the attempt when the node stops. */
  signal: AbortSignal;
}

const MAX_RETRY_DELAY_MS = 5 * 60_000;

/** POSTs the body once; any 2xx is success, anything else (3xx included: redirects are not followed) a failure. */
export async function postWebhookOnce(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: AttemptOptions,
): Promise<AttemptResult> {
  if (options.signal.aborted) return { ok: false, statusCode: null, error: STOPPED };
  // One controller per attempt, with its own timer, rather than
  // AbortSignal.any([AbortSignal.timeout(ms), stopSignal]): on Node 20 a timeout signal held
  // only by an `any()` composite can be garbage-collected before it fires (nodejs/node#57736),
  // leaving the request hanging for good, and every composite would stay attached to the
  // node-long stop signal.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${options.timeoutMs} ms`, 'TimeoutError'));
  }, options.timeoutMs);
  const onStop = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onStop, { once: true });
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      // A redirect would turn the POST into a GET elsewhere: reported, never followed.
      redirect: 'manual',
      signal: controller.signal,
    });
    // The answer's body is not read; cancelling it frees the connection.
    await response.body?.cancel().catch(() => {});
    const ok = response.status >= 200 && response.status < 300;
    return { ok, statusCode: response.status, error: ok ? null : `HTTP ${response.status}` };
  } catch (error) {
    if (timedOut) return { ok: false, statusCode: null, error: `timeout: no answer within ${options.timeoutMs} ms` };
    if (options.signal.aborted) return { ok: false, statusCode: null, error: STOPPED };
    return { ok: false, statusCode: null, error: describeFailure(error) };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onStop);
  }
}

const STOPPED = 'aborted: the node stopped';

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    // undici reports "fetch failed" with the socket error as the cause (ECONNREFUSED, ENOTFOUND…).
    const cause = error.cause instanceof Error ? error.cause : undefined;
    const code = cause && 'code' in cause ? ` (${String(cause.code)})` : '';
    return cause ? `${error.message}: ${cause.message}${code}` : error.message;
  }
  return String(error);
}

/**
 * Exponential backoff with jitter before attempt `failedAttempts + 1`: base·2^(n−1), of which a
 * random half is taken off so receivers coming back are not hit by every sender at once.
 */
export function retryDelayMs(failedAttempts: number, baseDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseDelayMs * 2 ** (failedAttempts - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
