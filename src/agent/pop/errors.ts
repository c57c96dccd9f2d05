// Typed errors for the PoP agents. Only the entry points (responder-main,
// health-main) print them and set the exit code.

export type PopAgentErrorCode = 'CONFIG_READ' | 'CONFIG_INVALID' | 'LISTEN_FAILED' | 'BGP_COMMAND_FAILED' | 'FRR_NOT_READY';

export class PopAgentError extends Error {
  readonly code: PopAgentErrorCode;

  constructor(code: PopAgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PopAgentError';
    this.code = code;
  }
}
