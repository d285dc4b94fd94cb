/** What a transport remembers about the chat a socket or request is attached to. */
export interface ChatRef {
  sessionId: string;
  ticketId: string;
  ticketNumber: number;
  clientId: string;
  customerName: string;
}
