// NSID (RFC 5001) for dns2 3.1.1, which only knows ECS and EDE: without a
// registered codec its EDNS decoder silently skips option 3, so we could not
// tell whether the client asked, and its encoder drops options it cannot encode.
import { Packet } from './dns2.js';
import type { Reader, Writer } from './wire-types.js';

/** EDNS option code of NSID (RFC 5001 §2.3). */
export const NSID_OPTION_CODE = 3;

export interface NsidOption {
  ednsCode: typeof NSID_OPTION_CODE;
  /** Empty in a query (RFC 5001 §2.1); the server id in a response. */
  data: Buffer;
}

export const nsidOption = (data: Buffer): NsidOption => ({ ednsCode: NSID_OPTION_CODE, data });

const codec = {
  decode(reader: Reader, length: number): NsidOption {
    // Slice instead of reading bit by bit: dns2's Reader works in bits and the
    // caller repositions the cursor to the option end afterwards anyway.
    const start = reader.offset >>> 3;
    return nsidOption(Buffer.from(reader.buffer.subarray(start, start + length)));
  },
  encode(option: NsidOption, writer: Writer): void {
    for (const byte of option.data) writer.write(byte, 8);
  },
};

let registered = false;

/** Teach dns2's EDNS codec about NSID. Idempotent; mutates dns2's shared tables. */
export function registerNsidCodec(): void {
  if (registered) return;
  const tables = Packet as unknown as {
    EDNS_OPTION_CODE: Record<string, number>;
    EDNS_OPTION_NAME: Record<number, string>;
    Resource: { EDNS: Record<string, unknown> };
  };
  tables.EDNS_OPTION_CODE.NSID = NSID_OPTION_CODE;
  tables.EDNS_OPTION_NAME[NSID_OPTION_CODE] = 'NSID';
  tables.Resource.EDNS.NSID = codec;
  registered = true;
}
