import { describe, expect, it } from 'vitest';
import { classifyExit, classifyProbe, classifyRtsp, isProblemLine, refineWithProbe } from './failure.ts';

const exit = (problems: string[], code: number | null = 1, extra: { signal?: string; stalledSeconds?: number } = {}) =>
  classifyExit({ problems, code, signal: extra.signal ?? null, stalledSeconds: extra.stalledSeconds });

describe('classifyExit (real ffmpeg 5.1 stderr lines)', () => {
  it('names wrong credentials, missing streams and unreachable DVRs', () => {
    expect(exit(['[rtsp @ 0x1] [error] method DESCRIBE failed: 401 Unauthorized']).kind).toBe('auth');
    expect(exit(['[rtsp @ 0x1] [error] method DESCRIBE failed: 401 Unauthorized']).cause).toMatch(/password/);
    expect(exit(['[error] rtsp://h/x: Server returned 404 Not Found']).kind).toBe('not_found');
    expect(exit(['[tcp @ 0x1] [error] Connection to tcp://127.0.0.1:1?timeout=2000000 failed: Connection refused']).cause).toBe('DVR unreachable (connection refused)');
    expect(exit(['[error] rtsp://127.0.0.1:18554/cam: Connection timed out'], 0).cause).toMatch(/timed out/);
  });

  it('recognises corrupt streams and storage failures', () => {
    expect(exit(['[error] rtsp://127.0.0.1:1/x: Invalid data found when processing input']).kind).toBe('corrupt');
    const storage = exit(["[segment @ 0x1] [error] Failed to open segment '/rec/cam/20250101/000000_1.ts'"]);
    expect(storage.kind).toBe('storage');
    expect(storage.cause).toContain('/rec/cam/20250101');
  });

  it('prefers errors over warnings', () => {
    expect(exit(['[h264 @ 0x1] [warning] Invalid NAL unit size', '[error] x: Server returned 404 Not Found']).kind).toBe('not_found');
  });

  it('treats a clean exit as the source ending and reports stalls and crashes', () => {
    expect(exit([], 0).kind).toBe('ended');
    expect(exit([], null, { signal: 'SIGTERM', stalledSeconds: 20 }).cause).toBe('stream stalled: no frame or segment for 20 s');
    expect(exit(['[fatal] boom'], null, { signal: 'SIGSEGV' }).cause).toBe('ffmpeg was killed by SIGSEGV: boom');
  });
});

describe('probes', () => {
  it('classifies answers and silence', () => {
    expect(classifyProbe({ status: 200, reason: 'OK' })).toBeNull();
    expect(classifyProbe({ status: 401, reason: 'Unauthorized' })?.kind).toBe('auth');
    expect(classifyProbe({ status: null, reason: 'ECONNREFUSED' })?.kind).toBe('unreachable');
    expect(classifyProbe({ status: null, reason: 'not_rtsp' })?.kind).toBe('corrupt');
  });

  it('turns "invalid data" from a silent server into unreachable, but keeps real garbage corrupt', () => {
    const corrupt = exit(['[error] x: Invalid data found when processing input']);
    expect(refineWithProbe(corrupt, { status: null, reason: 'timeout' }).kind).toBe('unreachable');
    expect(refineWithProbe(corrupt, { status: null, reason: 'not_rtsp' }).kind).toBe('corrupt');
    expect(refineWithProbe(corrupt, { status: 200, reason: 'OK' }).kind).toBe('corrupt');
  });

  it('keeps only problem lines, without known noise', () => {
    expect(isProblemLine('[error] x')).toBe(true);
    expect(isProblemLine('[info] Opening x')).toBe(false);
    expect(isProblemLine('[swscaler @ 0x1] [warning] deprecated pixel format used, make sure you did set range correctly')).toBe(false);
  });
});

describe('classifyRtsp', () => {
  it('words each way a session of the RTSP client ends as the ffmpeg ingest does', () => {
    expect(classifyRtsp({ what: 'status', status: 401, reason: 'Unauthorized' })).toEqual(exit(['[error] method DESCRIBE failed: 401 Unauthorized']));
    expect(classifyRtsp({ what: 'status', status: 404, reason: 'Not Found' })).toEqual(exit(['[error] method DESCRIBE failed: 404 Not Found']));
    expect(classifyRtsp({ what: 'status', status: 503, reason: 'Service Unavailable' })).toEqual({ kind: 'crashed', cause: 'DVR answered RTSP 503 Service Unavailable' });
    expect(classifyRtsp({ what: 'network', code: 'ECONNREFUSED' })).toEqual(exit(['[error] Connection to tcp://h:554 failed: Connection refused']));
    expect(classifyRtsp({ what: 'network', code: 'timeout' })).toEqual(exit(['[error] Connection timed out']));
    expect(classifyRtsp({ what: 'network', code: 'EHOSTUNREACH' })).toEqual(exit(['[error] No route to host']));
    expect(classifyRtsp({ what: 'not_rtsp' })).toEqual({ kind: 'corrupt', cause: 'corrupt or unsupported stream (the port does not speak RTSP)' });
    expect(classifyRtsp({ what: 'malformed', detail: 'bad header line' })).toEqual({ kind: 'corrupt', cause: 'corrupt or unsupported stream (bad header line)' });
    expect(classifyRtsp({ what: 'no_h264' }).kind).toBe('corrupt');
    expect(classifyRtsp({ what: 'stalled', seconds: 10 })).toEqual(exit([], null, { signal: 'SIGKILL', stalledSeconds: 10 }));
    expect(classifyRtsp({ what: 'ended' })).toEqual(exit([], 0));
  });
});
