// End-to-end: a staff member signs in, decides a clash group of three in one action, stages two
// decisions and releases them, finds the approved event on the venue timeline, awards a
// first-store incentive and sees the fund's remaining money and chart change. Every console page
// is validated (html-validate) and checked with axe-core; desktop screenshots are kept.
// The staff member is an admin, so signing in takes a code from their second factor.
// Usage: node console.cjs BASE_URL ARTIFACT_DIR STAFF_EMAIL PASSWORD TOTP_KEY GROUP_IDS STAGE_IDS FUND_ID WEEK
const fs = require("fs");
const path = require("path");
const { audit, audited, check, launch, totp } = require("./common.cjs");

const [base, artifacts, email, password, totpKey, groupIds, stageIds, fundId, week] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });

async function shoot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `console-${name}-desktop.png`), fullPage: true });
}

(async () => {
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  const page = await context.newPage();

  await page.goto(`${base}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("main form button[type=submit]")]);
  // The test logged in through the API with this step's code already: the app's next one.
  await page.fill("#code", totp(totpKey, Math.floor(Date.now() / 1000) + 30));
  await Promise.all([page.waitForNavigation(), page.click("main form button[type=submit]")]);
  check(new URL(page.url()).pathname === "/staff", `staff land in the console: ${page.url()}`);
  await audit(page);
  await shoot(page, "1-home");

  // The clash group: approve the first, reject the others, in one action.
  await Promise.all([page.waitForNavigation(), page.click("header a[href='/staff/queue']")]);
  await audit(page);
  await shoot(page, "2-queue");
  await Promise.all([page.waitForNavigation(), page.click("a.decide-group")]);
  const ids = groupIds.split(",");
  check((await page.locator("#group-form input[name=approve]").count()) === ids.length, "the group has its requests");
  await audit(page);
  await shoot(page, "3-group");
  await page.check(`#approve-${ids[0]}`);
  await Promise.all([page.waitForNavigation(), page.click("#decide")]);
  check((await page.locator(".notice").innerText()).length > 0, "the decision is confirmed");

  // Two staged decisions, released together.
  for (const id of stageIds.split(",")) {
    await page.goto(`${base}/staff/bookings/${id}`);
    await audit(page);
    await page.check("#action-approve");
    await Promise.all([page.waitForNavigation(), page.click("#stage")]);
    check((await page.locator("#booking-state").innerText()).includes("⏸"), "the decision is staged");
  }
  await shoot(page, "4-booking");
  await page.goto(`${base}/staff/queue`);
  check((await page.locator("#release").innerText()).includes("2"), "two decisions wait for release");
  await Promise.all([page.waitForNavigation(), page.click("#release")]);
  check((await page.locator("#release").count()) === 0, "released");

  // The approved event is on the timeline.
  await page.goto(`${base}/staff/timeline?week=${week}`);
  check((await page.locator(`a.block.approved[href='/staff/bookings/${ids[0]}']`).count()) >= 1, "the approved event is on the timeline");
  await audit(page);
  await shoot(page, "5-timeline");

  // An award: the remaining money and the chart change.
  await page.goto(`${base}/staff/funds/${fundId}`);
  await audit(page);
  const before = await page.locator("#remaining").innerText();
  const form = page.locator("li form").first();
  await form.locator("select").selectOption("approve");
  // Below the fund's four-eyes threshold (500,000 CNY), so it commits at once.
  await form.locator("input[name=amount]").fill("400000");
  await Promise.all([page.waitForNavigation(), form.locator("button").click()]);
  const after = await page.locator("#remaining").innerText();
  check(before !== after, `the remaining money changes (${before} → ${after})`);
  check((await page.locator("svg.chart text.value").first().textContent()).includes("¥400,000.00"), "the tier chart shows the award");
  await shoot(page, "6-fund");

  // Venues and staff accounts (the test's staff member is an admin).
  await page.goto(`${base}/staff/venues`);
  await audit(page);
  await Promise.all([page.waitForNavigation(), page.click("#new-venue")]);
  await audit(page);
  await page.fill("#slug", "chan-street");
  await page.fill("#name_zh", "蝉街");
  await page.fill("#name_en", "Chan Street");
  await page.fill("#address", "蝉街");
  await page.fill("#latitude", "28.02");
  await page.fill("#longitude", "120.65");
  await page.fill("#capacity", "3000");
  await page.selectOption("#kind", "street");
  await page.selectOption("#tier", "core");
  await page.fill("#opening_hours", "fri 18:00-02:00\nsat 18:00-02:00");
  await Promise.all([page.waitForNavigation(), page.click("#save-venue")]);
  check(/\/staff\/venues\/\d+$/.test(new URL(page.url()).pathname), `the venue is saved: ${page.url()}`);
  check((await page.inputValue("#opening_hours")).includes("fri 18:00-02:00"), "a window past midnight is kept");
  await audit(page);
  await shoot(page, "7-venue");
  await page.goto(`${base}/staff/markets`);
  check((await page.locator("main h2").count()) >= 1, "the demo market is in the overview");
  await audit(page);
  await shoot(page, "7b-markets");
  await page.goto(`${base}/staff/reports`);
  check((await page.locator("#report-facts dt").count()) > 5, "the programme report has its figures");
  await audit(page);
  await shoot(page, "7c-reports");
  await page.goto(`${base}/staff/accounts`);
  await audit(page);
  await shoot(page, "8-accounts");

  await browser.close();
  console.log(`console e2e: all checks passed (${audited.size} pages audited); screenshots in ${artifacts}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
