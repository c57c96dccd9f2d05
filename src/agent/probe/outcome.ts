import type { Outcome } from '../../contract/sample.js';

// Socket error codes → what a failover analysis cares about. ICMP errors on a
// connected UDP socket arrive as ECONNREFUSED (port unreachable) or
// EHOSTUNREACH/ENETUNREACH (no route, e.g. while a prefix is withdrawn).
const BY_CODE: Record<string, Outcome> = {
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  ETIMEDOUT: 'timeout',
};

export const outcomeOfError = (err: unknown): Outcome => BY_CODE[errorCode(err) ?? ''] ?? 'error';

export const errorCode = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;

export const errorDetail = (err: unknown): string => errorCode(err) ?? (err instanceof Error ? err.message : String(err));
