/**
 * A part of the widget that most visitors never need (the queue, later the offline form, the
 * rating…), in a chunk of its own: the build splits the bundle at each dynamic `import()`, so
 * the part's code, words and CSS are downloaded only the first time it is asked for.
 */
/**
 * The DOM helpers (web/common/dom.ts), handed to a part's view by the entry that has them
 * rather than imported: an import would move them out of the entry into a chunk of their own,
 * one more file (and ~170 bytes gzipped) in every page's first load.
 */
export type Dom = Pick<typeof import('../../common/dom.js'), 'el' | 'setAttr' | 'setText'>;

export interface LazyModule {
  /** CSS the part adds to the widget's shadow root once loaded. */
  css?: string;
}

export interface LazyPart<T extends LazyModule> {
  /** The part when it has arrived; otherwise starts fetching it (once at a time) and says undefined. */
  get(): T | undefined;
}

/**
 * `load` is `() => import('./lazy/<part>.js')`; `ready` runs once the part arrived (to add its
 * CSS and render again). A failed fetch (network down) is tried again at the next `get()`.
 */
export function lazyPart<T extends LazyModule>(load: () => Promise<T>, ready: (part: T) => void): LazyPart<T> {
  let part: T | undefined;
  let loading = false;
  return {
    get() {
      if (!part && !loading) {
        loading = true;
        load().then(
          (loaded) => {
            part = loaded;
            ready(loaded);
          },
          () => {
            loading = false;
          },
        );
      }
      return part;
    },
  };
}
