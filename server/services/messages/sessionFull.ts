import { AppError } from '../../errors.js';

/** The refusal of a message past MAX_MESSAGES_PER_SESSION: the chat takes no more, like a closed one. */
export function sessionFull(maxMessages: number): AppError {
  return new AppError(
    'CLOSED',
    `This chat has reached its limit of ${maxMessages} messages and takes no more; start a new chat to continue`,
  );
}
