import { inflateRawSync } from 'node:zlib';

/**
 * A reader for Microsoft Cabinet files (the container of CyberTracker's CTX), following
 * [MS-CAB]: header, folders, files, then CFDATA blocks, MSZIP-compressed or stored. Each
 * refusal is a CabinetError whose message says what is wrong in words an admin can act on.
 */
export class CabinetError extends Error {}

export interface CabinetLimits {
  /** Largest uncompressed file that will be extracted. */
  maxFileBytes: number;
  /** Largest total of uncompressed bytes produced while extracting (bomb guard). */
  maxTotalBytes: number;
  /** Largest expansion of the cabinet's size (bomb guard). */
  maxRatio: number;
}

export const DEFAULT_CABINET_LIMITS: CabinetLimits = { maxFileBytes: 256 * 1024 * 1024, maxTotalBytes: 512 * 1024 * 1024, maxRatio: 200 };

export interface CabinetFile {
  name: string;
  size: number;
  folder: number;
  offset: number;
}

interface CabinetFolder {
  dataOffset: number;
  blockCount: number;
  compression: number;
}

const COMPRESSION_NONE = 0;
const COMPRESSION_MSZIP = 1;
const FLAG_PREV_CABINET = 0x1;
const FLAG_NEXT_CABINET = 0x2;
const FLAG_RESERVE_PRESENT = 0x4;
const MSZIP_WINDOW = 32 * 1024;
const MAX_BLOCK_UNCOMPRESSED = 32 * 1024;

/** [MS-CAB] 2.2.3's checksum: XOR of little-endian 32-bit words, the tail folded in high-to-low. */
export function cabinetChecksum(bytes: Buffer, seed: number): number {
  let checksum = seed >>> 0;
  const whole = bytes.length & ~3;
  for (let offset = 0; offset < whole; offset += 4) checksum = (checksum ^ bytes.readUInt32LE(offset)) >>> 0;
  let tail = 0;
  const rest = bytes.length & 3;
  if (rest === 3) tail = (bytes[whole] << 16) | (bytes[whole + 1] << 8) | bytes[whole + 2];
  else if (rest === 2) tail = (bytes[whole] << 8) | bytes[whole + 1];
  else if (rest === 1) tail = bytes[whole];
  return (checksum ^ tail) >>> 0;
}

function cString(bytes: Buffer, offset: number, what: string): { text: string; next: number } {
  const end = bytes.indexOf(0, offset);
  if (end < 0 || end - offset > 1024) throw new CabinetError(`the cabinet is truncated: ${what} has no end`);
  // Names are UTF-8 when attribute 0x80 is set and the OEM code page otherwise; both are ASCII in practice.
  return { text: bytes.toString('utf8', offset, end), next: end + 1 };
}

export class Cabinet {
  readonly files: CabinetFile[];
  private readonly folders: CabinetFolder[];
  private readonly dataReserve: number;
  private producedBytes = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly limits: CabinetLimits = DEFAULT_CABINET_LIMITS,
  ) {
    if (bytes.length < 36) throw new CabinetError(`the file is too short to be a cabinet (${bytes.length} bytes)`);
    if (bytes.toString('latin1', 0, 4) !== 'MSCF') throw new CabinetError('not a cabinet file (no MSCF signature)');
    const cabinetSize = bytes.readUInt32LE(8);
    if (cabinetSize > bytes.length) throw new CabinetError(`the cabinet is truncated: its header says ${cabinetSize} bytes, the file has ${bytes.length}`);
    const filesOffset = bytes.readUInt32LE(16);
    const folderCount = bytes.readUInt16LE(26);
    const fileCount = bytes.readUInt16LE(28);
    const flags = bytes.readUInt16LE(30);
    if (flags & (FLAG_PREV_CABINET | FLAG_NEXT_CABINET)) throw new CabinetError('the cabinet is one part of a multi-cabinet set; send the whole CTX as one file');
    let offset = 36;
    let folderReserve = 0;
    this.dataReserve = 0;
    if (flags & FLAG_RESERVE_PRESENT) {
      this.need(offset + 4, 'the reserve sizes');
      const headerReserve = bytes.readUInt16LE(offset);
      folderReserve = bytes[offset + 2];
      this.dataReserve = bytes[offset + 3];
      offset += 4 + headerReserve;
    }
    this.folders = [];
    for (let i = 0; i < folderCount; i++) {
      this.need(offset + 8, `folder ${i}`);
      this.folders.push({ dataOffset: bytes.readUInt32LE(offset), blockCount: bytes.readUInt16LE(offset + 4), compression: bytes.readUInt16LE(offset + 6) & 0x0f });
      offset += 8 + folderReserve;
    }
    this.files = [];
    offset = filesOffset;
    for (let i = 0; i < fileCount; i++) {
      this.need(offset + 16, `file entry ${i}`);
      const size = bytes.readUInt32LE(offset);
      const folderOffset = bytes.readUInt32LE(offset + 4);
      const folder = bytes.readUInt16LE(offset + 8);
      const name = cString(bytes, offset + 16, `file entry ${i}`);
      if (folder >= folderCount) throw new CabinetError(`file "${name.text}" points at folder ${folder}, but the cabinet has ${folderCount}`);
      this.files.push({ name: name.text, size, folder, offset: folderOffset });
      offset = name.next;
    }
  }

  find(name: string): CabinetFile | undefined {
    const wanted = name.toLowerCase();
    return this.files.find((file) => file.name.split(/[\\/]/).pop()!.toLowerCase() === wanted);
  }

  /** The uncompressed bytes of one file, checked against every limit. */
  extract(file: CabinetFile): Buffer {
    if (file.size > this.limits.maxFileBytes) throw new CabinetError(`"${file.name}" would be ${file.size} bytes uncompressed, more than the limit of ${this.limits.maxFileBytes}`);
    const out = Buffer.alloc(file.size);
    let folderPosition = 0;
    const end = file.offset + file.size;
    for (const block of this.blocks(this.folders[file.folder], file.name)) {
      const blockEnd = folderPosition + block.length;
      if (blockEnd > file.offset && folderPosition < end) {
        const from = Math.max(file.offset, folderPosition);
        block.copy(out, from - file.offset, from - folderPosition, Math.min(end, blockEnd) - folderPosition);
      }
      folderPosition = blockEnd;
      if (folderPosition >= end) return out;
    }
    throw new CabinetError(`the cabinet is truncated: "${file.name}" ends at byte ${end} of its folder, which holds only ${folderPosition}`);
  }

  private *blocks(folder: CabinetFolder, fileName: string): Generator<Buffer> {
    if (folder.compression !== COMPRESSION_NONE && folder.compression !== COMPRESSION_MSZIP) {
      throw new CabinetError(`"${fileName}" uses cabinet compression type ${folder.compression}; only MSZIP and stored folders are supported`);
    }
    let offset = folder.dataOffset;
    let window: Buffer = Buffer.alloc(0);
    for (let index = 0; index < folder.blockCount; index++) {
      this.need(offset + 8 + this.dataReserve, `data block ${index} of "${fileName}"`);
      const storedChecksum = this.bytes.readUInt32LE(offset);
      const compressedSize = this.bytes.readUInt16LE(offset + 4);
      const uncompressedSize = this.bytes.readUInt16LE(offset + 6);
      const dataStart = offset + 8 + this.dataReserve;
      this.need(dataStart + compressedSize, `data block ${index} of "${fileName}"`);
      const data = this.bytes.subarray(dataStart, dataStart + compressedSize);
      if (storedChecksum !== 0) {
        const checksum = cabinetChecksum(this.bytes.subarray(offset + 4, offset + 8 + this.dataReserve), cabinetChecksum(data, 0));
        if (checksum !== storedChecksum) throw new CabinetError(`data block ${index} of "${fileName}" has a wrong checksum: the file is damaged; send it again`);
      }
      if (uncompressedSize > MAX_BLOCK_UNCOMPRESSED) throw new CabinetError(`data block ${index} of "${fileName}" claims ${uncompressedSize} bytes; a block holds at most 32768`);
      this.producedBytes += uncompressedSize;
      if (this.producedBytes > this.limits.maxTotalBytes || this.producedBytes > this.limits.maxRatio * Math.max(this.bytes.length, 64 * 1024)) {
        throw new CabinetError(`the cabinet expands to more than the allowed size (${this.limits.maxTotalBytes} bytes or ${this.limits.maxRatio}× its size); refused as a possible decompression bomb`);
      }
      const block = folder.compression === COMPRESSION_NONE ? data : this.inflateMszip(data, window, uncompressedSize, index, fileName);
      if (block.length !== uncompressedSize) throw new CabinetError(`data block ${index} of "${fileName}" unpacks to ${block.length} bytes, not the ${uncompressedSize} it declares`);
      window = block.length >= MSZIP_WINDOW ? block.subarray(block.length - MSZIP_WINDOW) : Buffer.concat([window, block]).subarray(-MSZIP_WINDOW);
      yield block;
      offset = dataStart + compressedSize;
    }
  }

  /** MSZIP: each block is "CK" plus a raw deflate stream whose history is the previous block's output. */
  private inflateMszip(data: Buffer, window: Buffer, expected: number, index: number, fileName: string): Buffer {
    if (data.length < 2 || data[0] !== 0x43 || data[1] !== 0x4b) throw new CabinetError(`data block ${index} of "${fileName}" is not an MSZIP block (no CK signature)`);
    try {
      return inflateRawSync(data.subarray(2), { ...(window.length > 0 ? { dictionary: window } : {}), maxOutputLength: expected + 1 });
    } catch (error) {
      throw new CabinetError(`data block ${index} of "${fileName}" is not valid MSZIP data (${(error as Error).message})`);
    }
  }

  private need(end: number, what: string): void {
    if (end > this.bytes.length) throw new CabinetError(`the cabinet is truncated: ${what} lies beyond its end`);
  }
}
