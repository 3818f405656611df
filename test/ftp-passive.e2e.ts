import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { feature, featureCollection } from './support/geojson.js';
import { run } from './support/run.js';
import { fieldSyncSuite } from './support/suite.js';

/**
 * Python's ftplib on a slow link: half a second passes between the server's passive reply and
 * the data connection (a satellite round trip), the window a stranger's connection falls into.
 */
const SLOW_LINK_STOR = `
import ftplib, io, sys, time
class SlowLink(ftplib.FTP):
    def makepasv(self):
        answer = super().makepasv()
        time.sleep(0.5)
        return answer
ftp = SlowLink()
ftp.connect('127.0.0.1', int(sys.argv[1]))
ftp.login(sys.argv[2], sys.argv[3])
print(ftp.storbinary('STOR CTData/' + sys.argv[4], io.BytesIO(sys.stdin.buffer.read())))
ftp.quit()
`;

const PASSIVE_PORTS = 16;

/**
 * A stranger at another address (127.0.0.2) connects to every port of the passive range, again
 * and again, while a device uploads over plain FTP. ftp-srv 4.6 answered such a connection with
 * 550 and closed the device's session, so every upload in progress failed; now the stranger's
 * connections are dropped and the device's uploads go through, each stored once, untouched.
 */
describe('FTP passive ports are bound to their session', () => {
  const base = 20_000 + Math.floor(Math.random() * 100) * 100;
  const suite = fieldSyncSuite('sqlite', { env: { FTP_PASV_RANGE: `${base}-${base + PASSIVE_PORTS - 1}` } });

  it("a stranger sweeping the passive range neither breaks nor hijacks a device's uploads", async () => {
    await suite.admin.createProject('pasv');
    const device = await suite.admin.createDevice('pasv');
    let sweeping = true;
    let strangerConnects = 0;
    const sweep = (async () => {
      while (sweeping) {
        await Promise.all(
          Array.from(
            { length: PASSIVE_PORTS },
            (_, offset) =>
              new Promise<void>((resolve) => {
                const socket = connect({ host: '127.0.0.1', port: base + offset, localAddress: '127.0.0.2' }, () => {
                  strangerConnects++;
                  socket.end(featureCollection([feature({ species: 'Planted' })]));
                });
                socket.on('error', () => resolve());
                socket.on('close', () => resolve());
              }),
          ),
        );
      }
    })();

    const results = [];
    for (let i = 0; i < 8; i++) {
      const body = featureCollection([feature({ species: `Lion ${i}` })]);
      results.push(await run('/usr/bin/python3', ['-c', SLOW_LINK_STOR, String(suite.server.ftpPort), device.login, device.secret, `upload-${i}.geojson`], { input: body }));
    }
    sweeping = false;
    await sweep;

    expect(strangerConnects).toBeGreaterThan(0);
    expect(results.map((result) => result.stdout.trim())).toEqual(Array(8).fill(expect.stringMatching(/^226/)));
    const { batches } = await suite.admin.expect(200, 'GET', '/api/v1/projects/pasv/batches');
    expect(batches).toHaveLength(8);
    for (const batch of batches) await suite.admin.settled(batch.id);
    const species = (await suite.admin.allSightings('pasv')).map((row) => row.data.Species).sort();
    expect(species).toEqual(Array.from({ length: 8 }, (_, i) => `Lion ${i}`).sort());
  });
});
