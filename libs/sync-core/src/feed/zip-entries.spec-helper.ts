import yauzl from 'yauzl';

/** Every entry of a zip, read back with yauzl, as text by name. */
export async function entriesOf(zipped: AsyncIterable<Buffer>): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of zipped) chunks.push(chunk);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.fromBuffer(Buffer.concat(chunks), { lazyEntries: true }, (error, file) => (error ? reject(error) : resolve(file!))));
  const entries: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) =>
      zip.openReadStream(entry, async (error, stream) => {
        if (error) return reject(error);
        const parts: Buffer[] = [];
        for await (const part of stream!) parts.push(part as Buffer);
        entries[entry.fileName] = Buffer.concat(parts).toString();
        zip.readEntry();
      }),
    );
    zip.on('end', resolve);
    zip.readEntry();
  });
  return entries;
}
