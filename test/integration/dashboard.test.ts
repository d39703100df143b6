import { ACCESS_COOKIE } from '../../src/api/contract/auth.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, type Browser } from '../fixtures/browser.ts';
import { seriousA11yViolations, signInThroughForm, startOneBox, type OneBox } from '../fixtures/dashboard.ts';

const skip = hasChromium() ? false : 'needs Debian chromium (/usr/bin/chromium)';

/** The operator's dashboard against the real one box: sign-in, navigation by role, URLs that survive a reload. */
describe.skipIf(skip)('dashboard', () => {
  let box: OneBox;
  let browser: Browser;

  beforeAll(async () => {
    box = await startOneBox({ channels: 4 });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await box?.stop();
  });

  it('an admin signs in with the form, enrols MFA, lands on the live grid, and sees Settings', async () => {
    const page = await browser.page();
    const cspErrors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
    await page.goto(`${box.url}/`);
    await page.waitForURL(/\/login/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    const admin = await box.user('admin');
    await signInThroughForm(page, box.url, admin);
    expect(new URL(page.url()).pathname).toBe('/live');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect.poll(() => nav.getByRole('link', { name: 'Settings' }).count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(cspErrors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a viewer sees no Settings; a page URL survives a reload', async () => {
    // a browser of its own: the admin's session cookies are in the other one
    const own = await launchBrowser();
    const page = await own.page();
    const viewer = await box.user('viewer');
    await page.goto(`${box.url}/events?camera=cam_001`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Username').fill(viewer.username);
    await page.getByLabel('Password').fill(viewer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/events' && u.search === '?camera=cam_001');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Live' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await page.goto(`${box.url}/settings/users`);
    await page.getByRole('heading', { name: 'Not available' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Not available' }).waitFor();

    // the access token expires (its cookie goes): the next request refreshes the session silently
    await page.context().clearCookies({ name: ACCESS_COOKIE });
    await nav.getByRole('link', { name: 'Events' }).click();
    await page.getByTestId('event-list').or(page.getByText(/No events/)).first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/events');
    expect((await page.context().cookies()).some((c) => c.name === ACCESS_COOKIE)).toBe(true);
    await own.close();
  }, 120_000);

  it('API paths answer JSON, not the dashboard', async () => {
    const r = await fetch(`${box.url}/api/v1/nope`, { headers: { accept: 'text/html' } });
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: 'not_found' });
  });
});
