// End-to-end: a new brand registers, applies for a slot at the street venue through the week
// view, meets a clash and takes a free slot instead, submits; staff approve (through the API);
// the brand sees the approval and the public page and uploads a poster. Once in Chinese on a
// desktop and once in English on a phone; every page is validated (html-validate) and checked
// with axe-core, and screenshots of both sizes are kept.
// Usage: node portal.cjs BASE_URL ARTIFACT_DIR STAFF_TOKEN DAY START END POSTER_PNG COMPETITOR_TITLE
const fs = require("fs");
const path = require("path");
const { audit, audited, check, launch, sizes } = require("./common.cjs");

const [base, artifacts, staffToken, day, start, end, poster, competitorTitle] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });

async function shoot(page, name) {
  for (const [size, viewport] of Object.entries(sizes)) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: path.join(artifacts, `portal-${name}-${size}.png`), fullPage: true });
  }
}

async function flow(browser, lang, size) {
  const zh = lang === "zh";
  const context = await browser.newContext({ viewport: sizes[size], locale: "zh-CN", isMobile: size === "phone", hasTouch: size === "phone" });
  const page = await context.newPage();
  const email = `owner-${lang}-${Date.now()}@brand.example`;

  // Register a new brand (in English after the language switch); the portal greets it.
  await page.goto(`${base}/register`);
  if (!zh) await Promise.all([page.waitForNavigation(), page.click("#language-switch")]);
  await audit(page, lang);
  const heading = await page.locator("h1").innerText();
  check(heading === (zh ? "注册" : "Register"), `the register page speaks the language: ${JSON.stringify(heading)} zh=${zh} lang=${lang}`);
  await page.fill("#organization_name", zh ? "瓯海咖啡" : "Ouhai Coffee");
  await page.fill("#display_name", zh ? "陈小姐" : "Ms Chen");
  await page.fill("#email", email);
  await page.fill("#password", "short");
  await Promise.all([page.waitForNavigation(), page.click("form button[type=submit]")]);
  check(await page.locator(".error-summary a[href='#password']").isVisible(), "a short password is named in the summary");
  check(await page.locator("#password-error").isVisible(), "and under its field");
  await audit(page, `${lang}-errors`);
  await page.fill("#password", "long enough password");
  await Promise.all([page.waitForNavigation(), page.click("form button[type=submit]")]);
  check(new URL(page.url()).pathname === "/portal", `registered and signed in: ${page.url()}`);
  await audit(page, lang);
  await shoot(page, `${lang}-1-empty`);
  await page.setViewportSize(sizes[size]);

  // Invite a colleague, who accepts through the link in the e-mail (the test reads the outbox
  // and hands the link over in a file).
  await Promise.all([page.waitForNavigation(), page.click(`header a[href="/portal/organization"]`)]);
  await audit(page, lang);
  const colleague = `colleague-${lang}-${Date.now()}@brand.example`;
  await page.fill("#email", colleague);
  await Promise.all([page.waitForNavigation(), page.click("form[action='/portal/organization/invitations'] button")]);
  check((await page.locator(".notice").innerText()).length > 0, "the invitation is confirmed");
  check((await page.locator("main").innerText()).includes(colleague), "it is listed as pending");
  const linkFile = path.join(artifacts, `invitation-${lang}.txt`);
  let link = "";
  for (let i = 0; i < 100 && !link; i++) {
    if (fs.existsSync(linkFile)) link = fs.readFileSync(linkFile, "utf8").trim();
    else await new Promise((r) => setTimeout(r, 100));
  }
  check(link.includes("/invitations/"), "the invitation e-mail carries a link");
  const other = await browser.newContext({ viewport: sizes[size], locale: zh ? "zh-CN" : "en-GB" });
  const colleaguePage = await other.newPage();
  await colleaguePage.goto(link);
  check((await colleaguePage.inputValue("#email-shown")) === colleague, "the link is for the colleague's address");
  await audit(colleaguePage, lang);
  await colleaguePage.fill("#display_name", zh ? "李先生" : "Mr Li");
  await colleaguePage.fill("#password", "colleague password");
  await Promise.all([colleaguePage.waitForNavigation(), colleaguePage.click("main form button[type=submit]")]);
  check(new URL(colleaguePage.url()).pathname === "/portal", "the colleague is in");
  check((await colleaguePage.locator(".who").innerText()).includes(zh ? "瓯海咖啡" : "Ouhai Coffee"), "in the same organization");
  await other.close();
  await page.reload();
  check((await page.locator("#member-list li").count()) === 2, "two members now");
  await shoot(page, `${lang}-1b-organization`);
  await page.setViewportSize(sizes[size]);

  // Apply: the street venue, its week, a free block.
  await page.goto(`${base}/portal`);
  await Promise.all([page.waitForNavigation(), page.click("#apply")]);
  await Promise.all([page.waitForNavigation(), page.click(`.venue-choices a:has-text("${zh ? "五马街" : "Wuma Street"}")`)]);
  const monthDay = day.slice(5);
  let row = page.locator(`.week tr:has(th:has-text("${monthDay}"))`);
  for (let i = 0; i < 3 && (await row.count()) === 0; i++) {
    await Promise.all([page.waitForNavigation(), page.click(".month-nav a[rel=next]")]);
    row = page.locator(`.week tr:has(th:has-text("${monthDay}"))`);
  }
  check((await row.count()) === 1, `the week view shows ${day}`);
  await audit(page, lang);
  await shoot(page, `${lang}-2-week`);
  await page.setViewportSize(sizes[size]);
  await Promise.all([page.waitForNavigation(), row.locator("a.slot.free").first().click()]);
  check((await page.inputValue("#starts_at")).startsWith(day), "picking a free block fills in the start");

  // The details, at a time another brand has asked for too.
  await page.fill("#starts_at", `${day}T${start}`);
  await page.fill("#ends_at", `${day}T${end}`);
  await page.fill("#title_zh", "瓯海咖啡 全市首店");
  await page.fill("#title_en", zh ? "" : "Ouhai Coffee first city store");
  await page.fill("#brand_name", "Ouhai Coffee");
  await page.fill("#expected_attendance", "300");
  await page.selectOption("#reach", "city");
  await Promise.all([page.waitForNavigation(), page.click("button[value=submit]")]);
  check(await page.locator("#clash-box").isVisible(), "the clash is shown");
  check(!(await page.content()).includes(competitorTitle), "another brand's title is never shown");
  check((await page.locator("#booking-state").innerText()).includes(zh ? "草稿" : "draft"), "nothing was submitted yet");
  await audit(page, `${lang}-clash`);
  await shoot(page, `${lang}-3-clash`);
  await page.setViewportSize(sizes[size]);

  // One click on a free slot, then submit.
  await Promise.all([page.waitForNavigation(), page.locator("button.suggestion").first().click()]);
  check((await page.locator("#clash-box").count()) === 0, "the free slot has no clash");
  await Promise.all([page.waitForNavigation(), page.click("#submit")]);
  check((await page.locator("#booking-state").innerText()).includes(zh ? "已提交" : "submitted"), "submitted for review");
  const id = new URL(page.url()).pathname.split("/").pop();

  // Staff approve through the API.
  const approve = await page.request.post(`${base}/api/v1/bookings/${id}/approve`, {
    headers: { authorization: `Bearer ${staffToken}` }, data: { note: "Welcome" },
  });
  check(approve.status() === 200, `staff approved (${approve.status()}: ${await approve.text()})`);

  // The brand sees it, follows the public link, and uploads a poster.
  await page.reload();
  check((await page.locator("#booking-state").innerText()).includes(zh ? "已批准" : "approved"), "the approval shows");
  const publicHref = await page.getAttribute("#public-page", "href");
  check(publicHref && publicHref.startsWith("/events/"), `the public page link: ${publicHref}`);
  await page.setInputFiles("#file", poster);
  await page.fill("#alt", zh ? "咖啡店门面" : "The coffee shop's front");
  await Promise.all([page.waitForNavigation(), page.click("#images-section form[enctype] button[type=submit]")]);
  check(await page.locator(".images img").first().isVisible(), "the poster shows");
  // Added after approval, it waits for staff before it goes public; staff approve it.
  check((await page.locator(".images").innerText()).includes(zh ? "待工作人员审核" : "Awaiting staff review"), "the new poster waits for review");
  const images = await (await page.request.get(`${base}/api/v1/bookings/${id}/images`, {
    headers: { authorization: `Bearer ${staffToken}` },
  })).json();
  const reviewed = await page.request.post(`${base}/api/v1/bookings/${id}/images/${images[0].id}/approve`, {
    headers: { authorization: `Bearer ${staffToken}` }, data: {},
  });
  check(reviewed.status() === 200, `staff approved the poster (${reviewed.status()})`);
  await page.reload();
  check((await page.locator(".images").innerText()).includes(zh ? "海报" : "Poster"), "the first image is the poster");
  await audit(page, `${lang}-approved`);
  await shoot(page, `${lang}-4-approved`);
  await page.setViewportSize(sizes[size]);
  const publicPage = await (await page.request.get(`${base}${publicHref}`)).text();
  check(publicPage.includes("瓯海咖啡 全市首店") || publicPage.includes("Ouhai Coffee first city store"), "the public page shows the event");

  // The change-request form and the award application form pass the same checks.
  await page.goto(`${base}/portal/bookings/${id}/edit`);
  check((await page.inputValue("#title_zh")) === "瓯海咖啡 全市首店", "the edit form is filled in");
  await audit(page, lang);
  await page.goto(`${base}/portal/incentives/new`);
  await audit(page, lang);
  check((await page.locator("#tier").innerText()).includes("¥2,000,000.00"), "the tier's cap shows beside it");
  await page.fill("#store_name", zh ? "瓯海咖啡 五马店" : "Ouhai Coffee Wuma");
  await page.fill("#address", "五马街 8 号");
  await page.fill("#opening_date", "2026-10-01");
  await page.fill("#floor_area_m2", "120");
  await page.fill("#investment_fen", "3,000,000");
  await page.fill("#requested_fen", "800000");
  await Promise.all([page.waitForNavigation(), page.click("button[value=submit]")]);
  check((await page.locator("#award-state").innerText()).includes(zh ? "已提交" : "submitted"), "the award application is submitted");
  check((await page.locator(".facts").innerText()).includes("¥800,000.00"), "the amount shows in yuan");
  await audit(page, `${lang}-award`);

  // The portal lists it; the account page works.
  await page.goto(`${base}/portal`);
  check((await page.locator(".list").first().innerText()).includes(zh ? "已批准" : "approved"), "the list shows the state");
  check((await page.locator(".list").nth(1).innerText()).includes(zh ? "已提交" : "submitted"), "and the award application");
  await audit(page, `${lang}-list`);
  await page.goto(`${base}/account`);
  await audit(page, lang);
  await Promise.all([page.waitForNavigation(), page.click("header form button")]);
  check(new URL(page.url()).pathname === "/login", "signed out");
  await audit(page, lang);
  await page.goto(`${base}/password/forgot`);
  await audit(page, lang);
  await context.close();
}

(async () => {
  const browser = await launch();
  await flow(browser, "zh", "desktop");
  await flow(browser, "en", "phone");
  await browser.close();
  console.log(`portal e2e: all checks passed (${audited.size} pages audited); screenshots in ${artifacts}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
