import type { ContactValues, PendingMessage, SessionInfo } from './state.js';

/**
 * What survives a reload, in localStorage, per Atende server: the contact data (so a
 * returning visitor never types it twice), the session's resume token, and the messages
 * not yet acknowledged. Storage may be unavailable (private mode, blocked): then nothing is kept.
 */
export interface Persisted {
  contact?: Partial<ContactValues>;
  session?: SessionInfo;
  pending?: PendingMessage[];
}

export function createStore(serverUrl: string, storage: Storage | undefined = safeLocalStorage()) {
  const key = `atende:${serverUrl}`;
  return {
    load(): Persisted {
      try {
        const raw = storage?.getItem(key);
        return raw ? (JSON.parse(raw) as Persisted) : {};
      } catch {
        return {};
      }
    },
    save(value: Persisted): void {
      try {
        storage?.setItem(key, JSON.stringify(value));
      } catch {
        // Full or blocked storage: the chat goes on, it just won't survive a reload.
      }
    },
  };
}

function safeLocalStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
