// End-to-end: drive the public pages in Debian's headless Chromium like a person would, check
// what they see, validate the HTML, and save screenshots at desktop and phone width.
// Usage: node pages.cjs BASE_URL ARTIFACT_DIR HOSTILE_SLUG CANCELLED_SLUG
const fs = require("fs");
const path = require("path");
const { audit, check, launch, sizes, validate } = require("./common.cjs");

const [base, artifacts, hostileSlug, cancelledSlug] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });

async function noHorizontalScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `${what} fits the screen (overflows by ${overflow}px)`);
}

(async () => {
  const browser = await launch();
  let dialogs = 0;
  for (const [name, viewport] of Object.entries(sizes)) {
    const context = await browser.newContext({ viewport, locale: "zh-CN", isMobile: name === "phone", hasTouch: name === "phone" });
    const page = await context.newPage();
    page.on("dialog", async (d) => { dialogs += 1; await d.dismiss(); });

    // Home page, in Chinese by default.
    await page.goto(`${base}/`);
    check((await page.locator("h1").innerText()).includes("近期活动"), "the home page greets in Chinese");
    const cards = await page.locator(".cards .card").count();
    check(cards >= 3, `upcoming events are listed (${cards})`);
    await noHorizontalScroll(page, `home (${name})`);
    await page.screenshot({ path: path.join(artifacts, `home-${name}.png`), fullPage: true });

    // A filter: malls only; the subscribe link is exactly that view.
    await page.selectOption("select[name=kind]", "mall");
    await Promise.all([page.waitForNavigation(), page.click("form.filters button[type=submit]")]);
    check(page.url().includes("kind=mall"), "the filter is in the URL");
    const places = await page.locator(".cards .where").allInnerTexts();
    check(places.length > 0 && places.every((p) => ["银泰百货", "印象城"].includes(p)), `only mall events: ${places}`);
    const feed = await page.getAttribute("#subscribe-ics", "href");
    check(feed.endsWith("/calendar.ics?kind=mall"), `subscribe link matches the view: ${feed}`);
    const webcal = await page.getAttribute("#subscribe-webcal", "href");
    check(webcal.startsWith("webcal://"), "a webcal:// link");

    // An event page.
    await page.click(".cards .card h3 a");
    await page.waitForLoadState();
    check(await page.locator("article.event h1").isVisible(), "the event title shows");
    check((await page.locator(".facts").innerText()).includes("Asia/Shanghai"), "times name their zone");
    check(await page.locator("#download-ics").isVisible(), "add to calendar");
    const ld = JSON.parse(await page.locator('script[type="application/ld+json"]').textContent());
    check(ld["@type"] === "Event" && ld.location && ld.eventStatus, "schema.org Event JSON-LD");
    await noHorizontalScroll(page, `event (${name})`);
    await page.screenshot({ path: path.join(artifacts, `event-${name}.png`), fullPage: true });

    // A cancelled event is visibly marked.
    await page.goto(`${base}/events/${cancelledSlug}`);
    check((await page.locator(".status.cancelled").innerText()).includes("已取消"), "cancellation is marked");

    // Hostile text renders as text and does not break the layout.
    await page.goto(`${base}/events/${hostileSlug}`);
    const title = await page.locator("article.event h1").innerText();
    check(title.startsWith("<script>alert(1)</script>"), `the hostile title shows as text: ${title.slice(0, 40)}`);
    await noHorizontalScroll(page, `hostile event (${name})`);
    await page.screenshot({ path: path.join(artifacts, `hostile-${name}.png`), fullPage: true });

    // The language switch sticks.
    await page.goto(`${base}/`);
    await Promise.all([page.waitForNavigation(), page.click("#language-switch")]);
    check((await page.locator("h1").innerText()).includes("Coming up"), "the page is in English after the switch");
    await page.goto(`${base}/venues`);
    check((await page.locator("h1").innerText()) === "Venues", "English sticks on other pages");
    // The pages of markets, calls and this year's numbers pass html-validate and axe-core too.
    for (const extra of ["/calls", "/markets", `/numbers/${new Date().getFullYear()}`]) {
      await page.goto(`${base}${extra}`);
      await audit(page, `en-${name}`);
      await noHorizontalScroll(page, `${extra} (${name})`);
    }
    await page.screenshot({ path: path.join(artifacts, `numbers-en-${name}.png`), fullPage: true });
    await page.goto(`${base}/venues`);
    await page.screenshot({ path: path.join(artifacts, `venues-en-${name}.png`), fullPage: true });
    await context.close();
  }
  check(dialogs === 0, "no script ran from user content");

  const context = await browser.newContext();
  const page = await context.newPage();
  for (const url of ["/", "/events", "/events?view=month", "/venues", "/venues/wuma-street", `/events/${hostileSlug}`, `/events/${cancelledSlug}`]) {
    await validate(page, `${base}${url}`);
  }
  await browser.close();
  console.log("e2e: all checks passed; screenshots in " + artifacts);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
