import { describe, expect, it } from 'vitest';
import { redact, redactDeep, registerSecret } from './redact.ts';

describe('redact', () => {
  it('masks userinfo passwords and CP PLUS path passwords', () => {
    expect(redact('rtsp://admin:s3cret@10.0.0.1:554/x')).toBe('rtsp://admin:***@10.0.0.1:554/x');
    expect(redact('rtsp://h:554/user=admin&password=s3cret&channel=1&stream=0.sdp?')).toBe('rtsp://h:554/user=admin&password=***&channel=1&stream=0.sdp?');
  });

  it('masks registered secrets anywhere, e.g. in ffmpeg stderr', () => {
    registerSecret('Tr0ub4dor');
    expect(redact('[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized Tr0ub4dor')).not.toContain('Tr0ub4dor');
  });

  it('masks key/value secrets and secret-named fields deeply', () => {
    expect(redact('password: abc123 token=xyz')).toBe('password: *** token=***');
    const out = redactDeep({ a: { password: 'x1', url: 'rtsp://u:p4ss@h/' }, list: ['password=zz'] });
    expect(out).toEqual({ a: { password: '***', url: 'rtsp://u:***@h/' }, list: ['password=***'] });
  });

  it('redacts errors including the stack', () => {
    const e = redactDeep(new Error('connect rtsp://u:pw1234@h failed'));
    expect(e.message).not.toContain('pw1234');
    expect(e.stack).not.toContain('pw1234');
  });
});
