/**
 * The source's frame rate from ffmpeg's dump of its input ("Stream #0:0: Video: h264 (Main), …,
 * 25 fps, 25 tbr, 90k tbn"): the rate the camera sends, whatever part of it Vigil analyses.
 * `fps` is what the stream declares; without it, `tbr` is ffmpeg's estimate from the first frames.
 */
export function parseVideoStreamFps(line: string): number | null {
  if (!/Stream #\d+:\d+.*: Video: /.test(line)) return null;
  const rate = (unit: string): number | null => {
    const m = new RegExp(`[,\\s](\\d+(?:\\.\\d+)?)(k?) ${unit}\\b`).exec(line);
    if (!m) return null;
    const n = Number(m[1]) * (m[2] ? 1000 : 1);
    // a time base misread as a rate (90k) is no frame rate
    return n > 0 && n <= 300 ? Math.round(n * 100) / 100 : null;
  };
  return rate('fps') ?? rate('tbr');
}
