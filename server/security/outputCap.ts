import type { Server as EngineServer } from 'engine.io';
import type { Logger } from '../logger.js';

/** Output a client may leave unread before it is dropped (PROTOCOL §7). */
export const MAX_UNSENT_OUTPUT_BYTES = 1024 * 1024;

interface EngineConnection {
  id: string;
  transport?: { socket?: { bufferedAmount?: number; terminate?: () => void } };
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): void;
  on(event: 'flush', listener: () => void): void;
  close(discard?: boolean): void;
}

/**
 * Drops a connection whose unsent output passes `maxBytes`, so a client that stops reading
 * cannot make the node hold what it is sent. Unsent = the packets engine.io still queues
 * (while the transport is busy or, polling, not yet polled) + what the WebSocket still buffers
 * in user space. Checked when output is added to that connection — a counter, an add and a
 * property read per packet, no timer, no scan of every socket: a client whose output does not
 * grow costs nothing, and one whose output grows is checked as it grows.
 */
export function capUnsentOutput(engine: EngineServer, logger: Logger, maxBytes = MAX_UNSENT_OUTPUT_BYTES): void {
  engine.on('connection', (conn: EngineConnection) => {
    let queuedBytes = 0; // in engine.io's writeBuffer, not yet handed to the transport
    let dropped = false;
    conn.on('flush', () => {
      queuedBytes = 0;
    });
    conn.on('packetCreate', (packet) => {
      queuedBytes += sizeOf(packet.data);
      if (dropped) return;
      const ws = conn.transport?.socket;
      if (queuedBytes + (ws?.bufferedAmount ?? 0) <= maxBytes) return;
      dropped = true;
      logger.warn({ connectionId: conn.id, maxBytes }, 'client stopped reading: connection dropped, its output discarded');
      // terminate, not close: a closing handshake would wait behind the unread data (ws waits
      // 30 s), keeping it in memory. Then engine.io discards its queue and Socket.IO disconnects.
      ws?.terminate?.();
      conn.close(true);
    });
  });
}

/** Approximate size of a packet's payload: UTF-16 length for text (cheap; ≤ bytes × 1), bytes for binary. */
function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
