import { DecodedItem, FormatDecoder, UnreadableFileError } from '../format.js';
import { readWhole } from '../read-whole.js';
import { Cabinet, CabinetError } from './cabinet.js';
import { ElementInfo, parseElementsTxt, parseElementsXml } from './element-table.js';
import { readSightingsDat } from './sightings-dat.js';
import { readWaypointsDat } from './waypoints-dat.js';

/** A cabinet needs random access, so it is read whole; this caps what that may cost. */
export const MAX_CTX_BYTES = 64 * 1024 * 1024;

function elementTable(cabinet: Cabinet): Map<string, ElementInfo> {
  const xml = cabinet.find('Elements.xml');
  if (xml) return parseElementsXml(cabinet.extract(xml).toString('utf8'));
  const txt = cabinet.find('Elements.txt');
  if (txt) return parseElementsTxt(cabinet.extract(txt).toString('utf8'));
  return new Map();
}

/** CyberTracker's CTX (sent over FTP and file shares): a cabinet of Sightings.dat, Waypoints.dat and the element table. */
export const ctxDecoder: FormatDecoder = {
  name: 'cybertracker-ctx',

  detectContent(head) {
    return head.length >= 4 && head.toString('latin1', 0, 4) === 'MSCF';
  },

  detectFileName(fileName) {
    return /\.ctx$/i.test(fileName);
  },

  async *decode(bytes): AsyncGenerator<DecodedItem> {
    let cabinet: Cabinet;
    let elements: Map<string, ElementInfo>;
    let sightings: Buffer | null;
    let waypoints: Buffer | null;
    try {
      cabinet = new Cabinet(await readWhole(bytes, MAX_CTX_BYTES, 'the CTX file'));
      elements = elementTable(cabinet);
      const sightingsFile = cabinet.find('Sightings.dat');
      const waypointsFile = cabinet.find('Waypoints.dat');
      sightings = sightingsFile ? cabinet.extract(sightingsFile) : null;
      waypoints = waypointsFile ? cabinet.extract(waypointsFile) : null;
    } catch (error) {
      if (error instanceof CabinetError || error instanceof UnreadableFileError) throw new UnreadableFileError(error.message);
      if (error instanceof Error && /Elements\.xml/.test(error.message)) throw new UnreadableFileError(error.message);
      throw error;
    }
    let index = 0;
    // A damaged Sightings.dat stops at the damage, but the waypoints after it are still read.
    if (sightings) for (const item of readSightingsDat(sightings, elements)) yield { index: index++, ...item } as DecodedItem;
    if (waypoints) for (const item of readWaypointsDat(waypoints)) yield { index: index++, ...item } as DecodedItem;
  },
};
