/**
 * Why a use case refused: services throw this and the API maps `code` to its status (the same
 * codes as the API's error bodies), the admin socket and the command line print the message.
 */
export type ServiceErrorCode = 'bad_request' | 'forbidden' | 'not_found' | 'conflict';

export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(readonly code: ServiceErrorCode, message: string) {
    super(message);
  }
}
