// The SSH wire encoding (RFC 4251 §5) that key blobs and OpenSSH private key files are made of:
// uint32 big-endian integers and length-prefixed strings.

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}

/** Reads uint32s and strings from a buffer; throws WireError when the data ends early. */
export class WireReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  uint32(): number {
    if (this.offset + 4 > this.buf.length) throw new WireError("the data ends in the middle of a number");
    const n = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return n;
  }

  bytes(): Buffer {
    const length = this.uint32();
    if (this.offset + length > this.buf.length) throw new WireError("the data ends in the middle of a field");
    const out = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** A string field as latin1 text (algorithm names are ASCII). */
  text(): string {
    return this.bytes().toString("latin1");
  }

  get atEnd(): boolean {
    return this.offset === this.buf.length;
  }
}

export function wireUint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function wireString(value: Buffer | string): Buffer {
  const data = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  return Buffer.concat([wireUint32(data.length), data]);
}
