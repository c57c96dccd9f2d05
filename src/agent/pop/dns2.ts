// The one place that imports dns2 (pinned 3.1.1): the rest of the agent sees
// `Packet` and `UDPServer` through here, so a version bump is checked in one file.
import dns2 from 'dns2';

export const Packet = dns2.Packet;
export type Packet = InstanceType<typeof dns2.Packet>;
export type Resource = Packet['answers'][number];
export const UDPServer = dns2.UDPServer;
export type UDPServer = InstanceType<typeof dns2.UDPServer>;

export const TYPE = Packet.TYPE;
export const CLASS = Packet.CLASS;

/** Opcode QUERY (RFC 1035 §4.1.1); everything else gets NOTIMP. */
export const OPCODE_QUERY = 0;
/** OPT pseudo-record type (RFC 6891 §6.1.1). */
export const TYPE_OPT = 41;

/** Response codes we emit, by name, for counters and logs. */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** RFC 6891 §6.1.3: needs an OPT to carry its high bits. */
  BADVERS: 16,
} as const;
export type RcodeName = keyof typeof RCODE;

const RCODE_NAMES: Record<number, RcodeName> = Object.fromEntries(Object.entries(RCODE).map(([name, code]) => [code, name as RcodeName]));
export const rcodeName = (code: number): string => RCODE_NAMES[code] ?? `RCODE${code}`;
