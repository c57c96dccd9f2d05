// Debian's Chromium through playwright-core, for the dashboard tests (unit,
// fake source; integration, the real lab): one page, 1920×1080 like a
// projector, with every console error and page error collected.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface DashboardPage {
  browser: Browser;
  page: Page;
  consoleErrors: string[];
}

/** Fails, never skips, without a browser: prepare-host.sh installs it. */
export async function openDashboardPage(url: string): Promise<DashboardPage> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (bash scripts/prepare-host.sh), or point CHROMIUM_PATH at one`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(url);
  return { browser, page, consoleErrors };
}
