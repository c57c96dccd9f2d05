// dns2's bit-level Reader/Writer, as its codecs see them.
export interface Reader {
  buffer: Buffer;
  offset: number;
  read(bits: number): number;
}

export interface Writer {
  write(value: number, bits: number): void;
}
