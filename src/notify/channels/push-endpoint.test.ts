import { describe, expect, it } from 'vitest';
import { PUSH_SERVICE_HOSTS, pushEndpointProblem } from './push-endpoint.ts';

describe('push endpoints', () => {
  it.each([
    'https://fcm.googleapis.com/fcm/send/abc',
    'https://updates.push.services.mozilla.com/wpush/v2/abc',
    'https://wns2-by3p.notify.windows.com/w/?token=abc',
    'https://web.push.apple.com/QGx',
    'https://api.push.apple.com/3/device/abc',
  ])('accepts the browsers\' push services: %s', (endpoint) => {
    expect(pushEndpointProblem(endpoint, PUSH_SERVICE_HOSTS)).toBeUndefined();
  });

  it.each([
    ['http://fcm.googleapis.com/x', /must be https/],
    ['https://127.0.0.1/x', /not an IP address/],
    ['https://[::1]/x', /not an IP address/],
    ['https://169.254.169.254/latest/meta-data', /not an IP address/],
    ['https://10.0.0.5:8443/x', /default https port/],
    ['https://2130706433/x', /not an IP address/],
    ['https://localhost/x', /not a known push service/],
    ['https://fcm.googleapis.com.evil.example/x', /not a known push service/],
    ['https://evilnotify.windows.com/x', /not a known push service/],
    ['https://notify.windows.com/x', /not a known push service/],
    ['https://user:pw@fcm.googleapis.com/x', /no user name/],
    ['not a url', /not a URL/],
  ])('refuses %s', (endpoint, reason) => {
    expect(pushEndpointProblem(endpoint, PUSH_SERVICE_HOSTS)).toMatch(reason);
  });
});
