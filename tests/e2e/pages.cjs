// End-to-end: drive the public pages in Debian's headless Chromium like a person would, check
// what they see, validate the HTML, and save screenshots at desktop and phone width.
// Usage: node pages.cjs BASE_URL ARTIFACT_DIR HOSTILE_SLUG CANCELLED_SLUG SUBSCRIPTION_PATH CONFIRM_PATH
const fs = require("fs");
const http = require("http");
const path = require("path");
const { audit, check, launch, sizes, validate } = require("./common.cjs");

const [base, artifacts, hostileSlug, cancelledSlug, subscriptionPath, confirmPath] = process.argv.slice(2);
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
    // Events come first: the first card and its poster show on the first screen, at any width.
    const first = await page.locator(".cards .card").first().boundingBox();
    check(first.y + 200 < viewport.height, `the first event shows on the first screen (at ${first.y}px, ${name})`);
    check(await page.locator(".cards .card img").first().isVisible(), "events carry their posters");
    const filtersShown = await page.locator("form.filters").isVisible();
    check(filtersShown === (name !== "phone"), `the filters are ${name === "phone" ? "folded on a phone" : "open on a desktop"}`);
    await noHorizontalScroll(page, `home (${name})`);
    await page.screenshot({ path: path.join(artifacts, `home-${name}.png`), fullPage: true });

    // A filter: malls only; the subscribe link is exactly that view.
    if (name === "phone") await page.click("details.refine > summary");
    await page.selectOption("select[name=kind]", "mall");
    await Promise.all([page.waitForNavigation(), page.click("form.filters button[type=submit]")]);
    check(page.url().includes("kind=mall"), "the filter is in the URL");
    const places = await page.locator(".cards .where").allInnerTexts();
    check(places.length > 0 && places.every((p) => ["银泰百货", "印象城"].includes(p)), `only mall events: ${places}`);
    const feed = await page.getAttribute("#subscribe-ics", "href");
    check(feed.endsWith("/calendar.ics?kind=mall"), `subscribe link matches the view: ${feed}`);
    const webcal = await page.getAttribute("#subscribe-webcal", "href");
    check(webcal.startsWith("webcal://"), "a webcal:// link");
    check((await page.locator("details.refine > summary").innerText()).includes("(1)"), "the fold counts the filters set");

    // The same view by e-mail: the form comes set to it, and answers without showing the address.
    const byEmail = await page.getAttribute("#subscribe-email", "href");
    check(byEmail === "/subscribe?kind=mall", `the e-mail subscription matches the view: ${byEmail}`);
    await Promise.all([page.waitForNavigation(), page.click("#subscribe-email")]);
    check((await page.locator("select[name=kind]").inputValue()) === "mall", "the form is set to the view");
    await audit(page, `zh-${name}`);
    await noHorizontalScroll(page, `subscribe (${name})`);
    await page.screenshot({ path: path.join(artifacts, `subscribe-${name}.png`), fullPage: true });
    const address = `visitor-${name}@example.cn`;
    await page.fill("#email", address);
    await Promise.all([page.waitForNavigation(), page.click("form.form button[type=submit]")]);
    check((await page.locator("h1").innerText()).includes("请查收"), "check your inbox");
    check(!(await page.content()).includes(address), "the address is not shown back");
    await audit(page, `zh-${name}`);
    for (const own of [subscriptionPath, confirmPath]) {
      await page.goto(`${base}${own}`);
      check(await page.locator("form button.button").isVisible(), `${own.split("/")[1]}: one button acts`);
      check(!(await page.content()).includes("@example.cn"), "no address on a subscription's pages");
      await audit(page, `zh-${name}`);
      await noHorizontalScroll(page, `${own.split("/")[1]} (${name})`);
      const shot = own === subscriptionPath ? "subscription" : "subscription-confirm";
      await page.screenshot({ path: path.join(artifacts, `${shot}-${name}.png`), fullPage: true });
    }
    await page.goto(`${base}/events?kind=mall`);

    // An event page.
    await page.click(".cards .card h3 a");
    await page.waitForLoadState();
    check(await page.locator("article.event h1").isVisible(), "the event title shows");
    check((await page.locator(".facts").innerText()).includes("Asia/Shanghai"), "times name their zone");
    check(await page.locator("#download-ics").isVisible(), "add to calendar");
    // In Chinese, the download and the subscription (what phones' own calendars open) come before
    // the web calendars that cannot be reached from China.
    const order = await page.locator("section[aria-labelledby=calendar-heading] li a").evaluateAll((as) => as.map((a) => a.id));
    check(order.join() === "download-ics,subscribe-venue,google-calendar,outlook-calendar", `calendar links in order: ${order}`);
    check((await page.getAttribute("#subscribe-venue", "href")).startsWith("webcal://"), "the venue subscription is webcal://");
    const mapLabels = await page.locator("a.map-link").allInnerTexts();
    check(mapLabels.join() === "高德地图,百度地图", `maps people use in China: ${mapLabels}`);
    const og = await page.getAttribute('meta[property="og:image"]', "content");
    check(og && og.includes("/media/"), `a share image for WeChat and others: ${og}`);
    const posterWidth = await page.locator("article.event img.poster").evaluate((img) => img.naturalWidth);
    check(posterWidth >= 300, `a poster of at least 300 px early in the page (${posterWidth})`);
    const ld = JSON.parse(await page.locator('script[type="application/ld+json"]').textContent());
    check(ld["@type"] === "Event" && ld.location && ld.eventStatus, "schema.org Event JSON-LD");
    await noHorizontalScroll(page, `event (${name})`);
    await page.screenshot({ path: path.join(artifacts, `event-${name}.png`), fullPage: true });

    // The printable poster carries a QR code of the event's page.
    await page.click("#print-poster");
    await page.waitForLoadState();
    const qr = page.locator("article.print-poster .qr img");
    check(await qr.isVisible(), "the poster shows a QR code");
    check((await qr.getAttribute("alt")).includes("/events/"), "the QR code names the event's address");
    await audit(page, `zh-${name}`);
    await page.screenshot({ path: path.join(artifacts, `poster-${name}.png`), fullPage: true });

    // The map links open the right spot: a venue at a published reference point (WGS-84
    // 30.6107779 N, 121.0917077 E) is at its published GCJ-02 point on Amap and BD-09 on Baidu.
    await page.goto(`${base}/venues/reference-point`);
    const amap = new URL(await page.locator("a.map-link", { hasText: "高德地图" }).getAttribute("href"));
    const [lng, lat] = amap.searchParams.get("position").split(",").map(Number);
    check(Math.abs(lng - 121.09626935575027) < 2e-6 && Math.abs(lat - 30.608604331756705) < 2e-6, `Amap at GCJ-02 ${lng},${lat}`);
    const baidu = new URL(await page.locator("a.map-link", { hasText: "百度地图" }).getAttribute("href"));
    const [blat, blng] = baidu.searchParams.get("location").split(",").map(Number);
    check(Math.abs(blng - 121.10271732371203) < 2e-6 && Math.abs(blat - 30.61484572185035) < 2e-6, `Baidu at BD-09 ${blat},${blng}`);
    check(baidu.searchParams.get("coord_type") === "bd09ll", "Baidu is told the datum");
    await page.goto(`${base}/venues/wuma-street`);
    const photos = await page.locator(".photos img").count();
    check(photos >= 2, `the venue page shows its photos (${photos})`);
    check((await page.getAttribute('meta[property="og:image"]', "content")).includes("/media/"), "a venue shares its first photo");

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
    for (const extra of ["/calls", "/markets", `/numbers/${new Date().getFullYear()}`, "/subscribe?format=market", subscriptionPath, confirmPath]) {
      await page.goto(`${base}${extra}`);
      await audit(page, `en-${name}`);
      await noHorizontalScroll(page, `${extra} (${name})`);
      if (extra.startsWith("/subscribe?")) await page.screenshot({ path: path.join(artifacts, `subscribe-en-${name}.png`), fullPage: true });
    }
    await page.screenshot({ path: path.join(artifacts, `numbers-en-${name}.png`), fullPage: true });
    await page.goto(`${base}/venues`);
    await page.screenshot({ path: path.join(artifacts, `venues-en-${name}.png`), fullPage: true });
    await context.close();
  }
  check(dialogs === 0, "no script ran from user content");

  // The widget on a foreign site: another origin's page with the script and one element.
  const host = http.createServer((req, res) => {
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(`<!doctype html><html lang="en"><head><title>Impression City</title></head><body>
      <h1>Impression City: what's on</h1>
      <div data-debut-events="kind=mall&limit=3" data-debut-accent="#0b3c5d"></div>
      <script src="${base}/widget.js"></script></body></html>`);
  });
  await new Promise((resolve) => host.listen(0, "127.0.0.1", resolve));
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${host.address().port}/`);
  const widget = page.frameLocator("iframe");
  await widget.locator(".widget-list li").first().waitFor();
  const listed = await widget.locator(".widget-list li").count();
  check(listed >= 1 && listed <= 3, `the widget lists the mall's events (${listed})`);
  check((await widget.locator("html").getAttribute("lang")) === "en", "in the host page's language");
  await page.waitForFunction(() => document.querySelector("iframe").getBoundingClientRect().height > 150);
  const accent = await widget.locator("body").evaluate((b) => getComputedStyle(b).getPropertyValue("--accent").trim());
  check(accent === "#0b3c5d", `in the host's colour (${accent})`);
  await page.screenshot({ path: path.join(artifacts, "widget-foreign-site.png"), fullPage: true });
  host.close();

  for (const url of ["/", "/events", "/events?view=month", "/venues", "/venues/wuma-street", `/events/${hostileSlug}`, `/events/${cancelledSlug}`, `/events/${cancelledSlug}/poster`, "/widget?kind=mall"]) {
    await validate(page, `${base}${url}`);
  }
  await browser.close();
  console.log("e2e: all checks passed; screenshots in " + artifacts);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
