// Drives Debian's headless Chromium through a browser-face scenario for
// authgate's tests (tests/web). Loopback only: every request to any other
// host is aborted, so the provider pages' web fonts are never fetched.
//
// Usage:
//   node drive.js '[STEP, ...]'    runs the steps, prints one JSON array of results
//   node drive.js --serve          one JSON step (or array of steps) per stdin line,
//                                  one JSON result line each; the browser (and its
//                                  cookies) lives until stdin closes
//
// Steps (each result has "ok" and, for page steps, the page's state: url,
// status, reason (authgate-error-reason), redirects, title, h1, text):
//   {"goto": URL}                          navigate (redirects followed)
//   {"reload": true}                       reload the current page
//   {"login": SUB, "password": PW}         fill the provider's login form and
//                                          submit, then "Continue" on its consent
//                                          form when it asks
//   {"confirm_logout": true}               "Yes, sign me out" on the provider's
//                                          end-session page
//   {"cookies": true}                      every cookie in the browser
//   {"clear_cookies": true}                forget every cookie
//   {"set_cookie": {name, value, url}}     add or replace one cookie
//   {"page": true}                         the current page's state
//   {"screenshot": PATH}                   a PNG of the page
//   {"sleep": MS}
// Environment: CHROMIUM (default /usr/bin/chromium).
import readline from 'node:readline';

import puppeteer from 'puppeteer-core';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const TIMEOUT_MS = 15000;

async function launch() {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox', // tests run as root
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
      '--no-pings',
      // Belt and braces with the request filter below: nothing but loopback resolves.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = new URL(request.url());
    const local = ['http:', 'https:'].includes(url.protocol) && LOOPBACK.has(url.hostname);
    // favicon.ico would be a second protected request racing the page's own
    // (and its refresh): keep one request per navigation.
    if (!local || url.pathname === '/favicon.ico') {
      request.abort('blockedbyclient').catch(() => {});
    } else {
      request.continue().catch(() => {});
    }
  });
  const cdp = await page.createCDPSession();
  return { browser, page, cdp };
}

async function pageState(page, response) {
  const state = { url: page.url() };
  if (response) {
    state.status = response.status();
    const headers = response.headers();
    if (headers['authgate-error-reason']) state.reason = headers['authgate-error-reason'];
    state.redirects = response.request().redirectChain().map((r) => r.url());
  }
  state.title = await page.title();
  state.h1 = await page.$eval('h1', (e) => e.textContent.trim()).catch(() => null);
  state.text = await page.evaluate(() => document.body?.innerText ?? '');
  return state;
}

async function submitAndWait(page, selector) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click(selector),
  ]);
  return response;
}

async function runStep(ctx, step) {
  const { page, cdp } = ctx;
  if (step.goto) {
    const response = await page.goto(step.goto, { waitUntil: 'load' });
    return pageState(page, response);
  }
  if (step.reload) {
    const response = await page.reload({ waitUntil: 'load' });
    return pageState(page, response);
  }
  if (step.login !== undefined) {
    await page.waitForSelector('form input[name="login"]');
    await page.type('input[name="login"]', String(step.login));
    await page.type('input[name="password"]', String(step.password ?? 'any-password'));
    let response = await submitAndWait(page, 'form button[type="submit"]');
    const consent = await page.$('form input[name="prompt"][value="consent"]');
    if (consent) {
      response = await submitAndWait(page, 'form button[type="submit"]');
    }
    return { ...(await pageState(page, response)), consented: Boolean(consent) };
  }
  if (step.confirm_logout) {
    const response = await submitAndWait(page, 'button[name="logout"][value="yes"]');
    return pageState(page, response);
  }
  if (step.cookies) {
    const { cookies } = await cdp.send('Network.getAllCookies');
    return {
      cookies: cookies.map(({ name, value, domain, path, expires, httpOnly, secure, sameSite, session }) => ({
        name, value, domain, path, expires, httpOnly, secure, sameSite, session,
      })),
    };
  }
  if (step.clear_cookies) {
    await cdp.send('Network.clearBrowserCookies');
    return {};
  }
  if (step.set_cookie) {
    const { success } = await cdp.send('Network.setCookie', step.set_cookie);
    return { set: success };
  }
  if (step.page) return pageState(page, null);
  if (step.screenshot) {
    await page.screenshot({ path: step.screenshot });
    return { screenshot: step.screenshot };
  }
  if (step.sleep !== undefined) {
    await new Promise((r) => { setTimeout(r, Number(step.sleep)); });
    return {};
  }
  throw new Error(`unknown step ${JSON.stringify(Object.keys(step))}`);
}

async function runSteps(ctx, steps) {
  const results = [];
  for (const step of steps) {
    try {
      results.push({ ok: true, ...(await runStep(ctx, step)) });
    } catch (e) {
      // A failed step ends the scenario; the page's state tells where it was.
      const where = await pageState(ctx.page, null).catch(() => ({}));
      results.push({ ok: false, error: String(e.message ?? e), ...where });
      break;
    }
  }
  return results;
}

async function main() {
  const args = process.argv.slice(2);
  const ctx = await launch();
  try {
    if (args[0] === '--serve') {
      const lines = readline.createInterface({ input: process.stdin });
      process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
      for await (const line of lines) {
        if (!line.trim()) continue;
        const parsed = JSON.parse(line);
        const results = await runSteps(ctx, Array.isArray(parsed) ? parsed : [parsed]);
        process.stdout.write(`${JSON.stringify(Array.isArray(parsed) ? results : results[0])}\n`);
      }
    } else {
      const results = await runSteps(ctx, JSON.parse(args[0] ?? '[]'));
      process.stdout.write(`${JSON.stringify(results)}\n`);
    }
  } finally {
    await ctx.browser.close();
  }
}

main().catch((e) => {
  process.stderr.write(`drive.js: ${e.stack ?? e}\n`);
  process.exit(1);
});
