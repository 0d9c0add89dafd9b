// End-to-end: a staff member sets up two-step sign-in from their account page with an
// authenticator app's code (computed here, as the app would), keeps the recovery codes, signs
// out, and signs in again with the password and then a code; a wrong code is refused on the way.
// Every page is validated (html-validate) and checked with axe-core; screenshots are kept.
// Usage: node two_factor.cjs BASE_URL ARTIFACT_DIR EMAIL PASSWORD
const fs = require("fs");
const path = require("path");
const { audit, check, launch, totp } = require("./common.cjs");

const [base, artifacts, email, password] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });

async function shoot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `two-factor-${name}.png`), fullPage: true });
}

async function submit(page) {
  await Promise.all([page.waitForNavigation(), page.click("main form button[type=submit]")]);
}

(async () => {
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  const page = await context.newPage();

  await page.goto(`${base}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await submit(page);
  check(new URL(page.url()).pathname === "/staff", `staff land in the console: ${page.url()}`);

  // Set it up from the account page.
  await page.goto(`${base}/account`);
  await audit(page);
  await Promise.all([page.waitForNavigation(), page.click("a[href='/account/two-factor']")]);
  check(new URL(page.url()).pathname === "/account/two-factor", `the setup page: ${page.url()}`);
  await audit(page);
  check(await page.locator("figure.qr img").evaluate((img) => img.complete && img.naturalWidth > 0), "the QR code shows");
  await shoot(page, "1-setup");
  const key = (await page.locator("#totp-secret").innerText()).trim();
  check(/^[A-Z2-7]{32}$/.test(key), `a base32 key to type in: ${key}`);
  await page.fill("#code", "000000");
  await submit(page);
  check((await page.locator("#code-error").count()) === 1, "a wrong first code is refused beside the field");
  await page.fill("#code", totp(key));
  await submit(page);
  const codes = await page.locator("#recovery-codes li").allInnerTexts();
  check(codes.length === 10 && codes.every((c) => /^[a-z2-9]{5}-[a-z2-9]{5}$/.test(c.trim())), `ten recovery codes: ${codes}`);
  await audit(page);
  await shoot(page, "2-recovery-codes");
  await Promise.all([page.waitForNavigation(), page.click("main a.button")]);
  check((await page.locator("#two-factor-status").innerText()).includes("10"), "the account page counts ten codes left");

  // Sign out, then in again: the password, then a code.
  await Promise.all([page.waitForNavigation(), page.click("form[action='/logout'] button")]);
  await page.goto(`${base}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await submit(page);
  check((await page.locator("#code").count()) === 1, `the code step: ${page.url()}`);
  await audit(page, "code-step");
  await shoot(page, "3-code");
  await page.fill("#code", "123456");
  await submit(page);
  check((await page.locator("#code-error").count()) === 1, "a wrong code is refused");
  // The code that turned the factor on is spent: the app's next code signs in.
  await page.fill("#code", totp(key, Math.floor(Date.now() / 1000) + 30));
  await submit(page);
  check(new URL(page.url()).pathname === "/staff", `signed in with a code: ${page.url()}`);
  await page.goto(`${base}/account`);
  check((await page.locator("#session-list li").count()) >= 1, "the account lists the sessions");
  await shoot(page, "4-account");

  await browser.close();
  console.log("two-step sign-in: set up with a QR code and a code, ten recovery codes, signed in again with a code");
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
