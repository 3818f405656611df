#!/usr/bin/env python3
"""Writes the hostile-input corpus next to this script: one folder per format, each file an attack
named for what it does. The files are committed; run this again only to change the corpus."""
import gzip, io, json, os, shutil, struct, zipfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CTX_SAMPLE = os.path.join(HERE, '..', '..', 'fixtures', 'cybertracker', 'Transect_Demo.CTX')


def write(folder, name, data):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode('utf-8'))


def feature(i, **props):
    base = {'id': '{00000000-0000-4000-8000-%012d}' % i, 'deviceId': 'hostile', 'dateTime': '2026-03-01T10:00:00+02:00',
            'sighting': {'Species': 'Lion', 'Count': 1}}
    base.update(props)
    return {'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [31.5, -24.1]}, 'properties': base}


def collection(features):
    return json.dumps({'type': 'FeatureCollection', 'features': features})


def geojson():
    valid = collection([feature(i) for i in range(5)])
    write('geojson', 'truncated.geojson', valid[: len(valid) * 2 // 3])
    write('geojson', 'empty.geojson', b'')
    write('geojson', 'not-json.geojson', bytes(range(256)) * 64)
    write('geojson', 'wrong-types.geojson', json.dumps({'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': ['31', '-24']}, 'properties': None},
        {'type': 'Feature', 'geometry': 'here', 'properties': {'id': {'nested': 1}, 'dateTime': 42, 'sighting': [1, 2]}},
        {'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [31]}, 'properties': {'id': True}},
        'not a feature', 17, None]}))
    write('geojson', 'features-not-a-list.geojson', json.dumps({'type': 'FeatureCollection', 'features': {'0': feature(1)}}))
    write('geojson', 'huge-numbers.geojson', '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1e999,-1e999]},'
          '"properties":{"id":"{00000000-0000-4000-8000-000000000001}","latitude":1e400,"longitude":-1e400,"accuracy":123456789012345678901234567890123456789,'
          '"sighting":{"Count":1e308,"Weight":-0.0000000000000000000000000000000001e-400}}}]}')
    write('geojson', 'out-of-range-coordinates.geojson', collection([feature(1, latitude=91, longitude=181), feature(2, latitude=-1000, longitude=5000)]))
    depth = 100_000
    write('geojson', 'deep-nesting.geojson', '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"sighting":'
          + '{"a":' * depth + '1' + '}' * depth + '}}]}')
    write('geojson', 'deep-array-nesting.geojson', '{"type":"FeatureCollection","features":' + '[' * depth + ']' * depth + '}')
    bad = valid.encode('utf-8').replace(b'Lion', b'Li\xff\xfe\xc3(on\x00', 1)
    write('geojson', 'bad-utf8.geojson', bad)
    write('geojson', 'control-characters.geojson', collection([feature(1, sighting={'Species': 'Lion\u0000\u0007\u001b[31m\r\n=cmd|"/c calc"!A1'})]))
    write('geojson', 'long-string.geojson', collection([feature(1, sighting={'Species': 'L' * (1200 * 1024)})]))
    write('geojson', 'many-keys.geojson', collection([feature(1, sighting={'k%d' % i: i for i in range(50_000)})]))
    write('geojson', 'mixed-good-and-bad.geojson', collection([feature(1), feature(2, dateTime='not a date', sighting=None), feature(3),
                                                             {'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': ['x', 'y']}, 'properties': {'id': 7}}, feature(4)]))
    write('geojson', 'same-id-twice.geojson', collection([feature(1), feature(1, sighting={'Species': 'Leopard', 'Count': 2})]))
    write('geojson', 'bom-and-trailing-junk.geojson', b'\xef\xbb\xbf' + valid.encode() + b'\x00\x00GARBAGE{[')


def smart():
    obs = lambda i, **kw: {'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [31, -24]},
                           'properties': {'id': 'smart-%d' % i, 'sighting': {'SMART_ObservationType': 'observation', **kw}}}
    write('smart-geojson', 'wrong-types.geojson', json.dumps({'type': 'FeatureCollection', 'features': [
        obs(1, SMART_Time=[1, 2], SMART_Attributes={'a': {'b': None}}), {'type': 'Feature', 'properties': {'sighting': 'SMART_x'}}]}))
    depth = 50_000
    write('smart-geojson', 'deep-nesting.geojson', '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"sighting":{"SMART_ObservationType":"o","x":'
          + '[' * depth + ']' * depth + '}}}]}')


def webhook():
    write('webhook-json', 'records-not-a-list.json', json.dumps({'uid': 's', 'records': 'none', 'values': []}))
    write('webhook-json', 'wrong-types.json', json.dumps({'uid': 7, 'deviceId': [1], 'location': 'here', 'records': [
        {'uid': None, 'values': 'x'}, {'uid': 'r', 'values': [{'id': 1, 'name': None, 'value': {'deep': [1]}}]}, 3]}))
    depth = 100_000
    write('webhook-json', 'deep-nesting.json', '{"uid":"s","records":[{"uid":"r","values":[{"id":"e","name":"n","value":' + '[' * depth + ']' * depth + '}]}]}')
    write('webhook-json', 'truncated.json', json.dumps({'uid': 's', 'records': [{'uid': 'r%d' % i, 'values': [{'id': 'e', 'name': 'Species', 'value': 'Lion'}]} for i in range(50)]})[:900])


def csv():
    header = 'id,deviceId,timestamp,latitude,longitude,Species\n'
    write('csv', 'bad-utf8.csv', header.encode() + b'x1,d1,2026-03-01T10:00:00+02:00,-24.1,31.5,Li\xff\xfeon\n')
    write('csv', 'unterminated-quote.csv', header + 'x1,d1,2026-03-01T10:00:00+02:00,-24.1,31.5,"Lion\nx2,d1,2026-03-01T10:00:00+02:00,-24.1,31.5,Zebra\n')
    write('csv', 'huge-field.csv', header + 'x1,d1,2026-03-01T10:00:00+02:00,-24.1,31.5,' + 'L' * (1100 * 1024) + '\n')
    write('csv', 'many-columns.csv', 'id,' + ','.join('c%d' % i for i in range(100_000)) + '\n' + 'x1,' + ','.join('1' for _ in range(100_000)) + '\n')
    write('csv', 'wrong-types.csv', header + 'x1,d1,yesterday,north,1e999,Lion\nx2,d1,2026-03-01T10:00:00+02:00,-24.1,31.5,Zebra\n,,,,,\n')
    write('csv', 'ragged-rows.csv', header + 'x1,d1\nx2,d1,2026-03-01T10:00:00+02:00,-24.1,31.5,Zebra,extra,extra\n')
    write('csv', 'formula-injection.csv', header + 'x1,d1,2026-03-01T10:00:00+02:00,-24.1,31.5,"=HYPERLINK(""http://evil"",""x"")"\n')
    write('csv', 'nul-bytes.csv', header.encode() + b'x1,d1,\x00\x00\x00,-24.1,31.5,Lion\n')


def zip_entry(name, data, method=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', method) as z:
        z.writestr(name, data)
    return buffer.getvalue()


def zips():
    good_csv = 'id,deviceId,timestamp,latitude,longitude,Species\nz1,d1,2026-03-01T10:00:00+02:00,-24.1,31.5,Lion\n'
    # A deflated entry that expands to 256 MB (1000 times its size): refused from its declared size, never inflated.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as z:
        with z.open('sightings.csv', 'w', force_zip64=True) as entry:
            entry.write(good_csv.encode())
            chunk = b'0' * (1024 * 1024)
            for _ in range(256):
                entry.write(chunk)
    write('zip-csv', 'zip-bomb.zip', buffer.getvalue())
    # Declares 100 bytes but inflates to 50 MB: the reader must stop at the declared size.
    lying = bytearray(zip_entry('sightings.csv', good_csv + 'x' * (50 * 1024 * 1024)))
    real = 50 * 1024 * 1024 + len(good_csv)
    for at in range(len(lying) - 4):
        if lying[at:at + 4] == struct.pack('<I', real):
            lying[at:at + 4] = struct.pack('<I', 100)
    write('zip-csv', 'lying-sizes.zip', bytes(lying))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('../../../../etc/cron.d/evil.csv', good_csv)
        z.writestr('/absolute/sightings.csv', good_csv)
        z.writestr('media/..\\..\\win.jpg', b'\xff\xd8\xff\xe0' + b'0' * 100)
    write('zip-csv', 'path-traversal.zip', buffer.getvalue())
    write('zip-csv', 'truncated.zip', zip_entry('sightings.csv', good_csv * 100)[:300])
    write('zip-csv', 'zip-in-zip.zip', zip_entry('inner.zip', zip_entry('inner2.zip', zip_entry('sightings.csv', good_csv))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_STORED) as z:
        for i in range(10_001):
            z.writestr('%05d' % i, b'')
    write('zip-csv', 'many-entries.zip', buffer.getvalue())


def ctx():
    sample = open(CTX_SAMPLE, 'rb').read()
    write('ctx', 'truncated.ctx', sample[: len(sample) // 2])
    flipped = bytearray(sample)
    for at in range(200, min(len(flipped), 4000), 97):
        flipped[at] ^= 0x5A
    write('ctx', 'flipped-bytes.ctx', bytes(flipped))
    write('ctx', 'header-only.ctx', sample[:36])
    huge = bytearray(sample)
    struct.pack_into('<I', huge, 8, 0xFFFFFFFF)  # cbCabinet
    struct.pack_into('<H', huge, 26, 0xFFFF)  # cFolders
    struct.pack_into('<H', huge, 28, 0xFFFF)  # cFiles
    write('ctx', 'huge-counts.ctx', bytes(huge))
    write('ctx', 'magic-then-noise.ctx', b'MSCF' + os.urandom(0) + bytes((i * 7919) % 256 for i in range(8000)))


def openrosa():
    write('openrosa', 'billion-laughs.xml', '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
          '<data id="f"><species>&lol4;</species><meta><instanceID>uuid:laughs</instanceID></meta></data>')
    write('openrosa', 'external-entity.xml', '<?xml version="1.0"?><!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
          '<data id="f"><species>&xxe;</species><meta><instanceID>uuid:xxe</instanceID></meta></data>')
    depth = 50_000
    write('openrosa', 'deep-nesting.xml', '<data id="f">' + '<a>' * depth + '</a>' * depth + '<meta><instanceID>uuid:deep</instanceID></meta></data>')
    write('openrosa', 'bad-utf8.xml', b'<data id="f"><species>Li\xff\xfeon</species><meta><instanceID>uuid:utf</instanceID></meta></data>')
    write('openrosa', 'no-instance-id.xml', '<data id="f"><species>lion</species></data>')
    write('openrosa', 'not-xml.xml', b'\x00\x01\x02 <<<>>> &&& ]]>')


def gzip_bomb():
    # 256 MB of zeros as a 250 KB body with Content-Encoding: gzip.
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode='wb', compresslevel=9) as z:
        chunk = b'\0' * (1024 * 1024)
        for _ in range(256):
            z.write(chunk)
    write('gzip', 'gzip-bomb.geojson.gz', buffer.getvalue())


if __name__ == '__main__':
    for folder in ['geojson', 'smart-geojson', 'webhook-json', 'csv', 'zip-csv', 'ctx', 'openrosa', 'gzip']:
        shutil.rmtree(os.path.join(HERE, folder), ignore_errors=True)
    geojson(); smart(); webhook(); csv(); zips(); ctx(); openrosa(); gzip_bomb()
