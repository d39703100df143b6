import type { TimedAccessUnit } from './timed-access-unit.ts';

const START_CODE = Buffer.from([0, 0, 0, 1]);
/** An access unit delimiter (primary_pic_type 7: any slice type) */
const ACCESS_UNIT_DELIMITER = Buffer.from([0, 0, 0, 1, 0x09, 0xf0]);

/**
 * One access unit as an Annex-B byte stream, parameter sets first on an IDR, and an access unit
 * delimiter after it: a decoder reading a raw H.264 pipe only knows a picture is complete when the
 * next one starts, so without the delimiter every picture would wait for the next (a second, when
 * only keyframes are fed).
 */
export function annexBOf(au: TimedAccessUnit, o: { delimited: boolean } = { delimited: true }): Buffer {
  const ps = au.idr && au.parameterSets ? [au.parameterSets.sps, au.parameterSets.pps] : [];
  // (the end of the input delimits a last picture: a delimiter there is an empty access unit, an error)
  return Buffer.concat([...[...ps, ...au.nals].flatMap((nal) => [START_CODE, nal]), ...(o.delimited ? [ACCESS_UNIT_DELIMITER] : [])]);
}
