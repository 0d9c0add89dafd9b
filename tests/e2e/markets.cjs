// End-to-end: an organizer starts a market on its approved booking (Chinese, desktop), plans
// the stalls and opens the vendor call; a vendor (English, phone) applies with a photo; the
// organizer accepts it and gives it stall C01 for the first date; the vendor sees its stall and
// the public market page shows it on the map. Every page is validated (html-validate) and
// checked with axe-core; screenshots are kept.
// Usage: node markets.cjs BASE_URL ARTIFACT_DIR BOOKING_ID FIRST_DATE ORGANIZER_EMAIL VENDOR_EMAIL PASSWORD PHOTO_PNG
const fs = require("fs");
const path = require("path");
const { audit, audited, check, launch, sizes } = require("./common.cjs");

const [base, artifacts, booking, firstDate, organizerEmail, vendorEmail, password, photo] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });

async function shoot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `markets-${name}.png`), fullPage: true });
}

async function signIn(page, email) {
  await page.goto(`${base}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("main form button[type=submit]")]);
  check(new URL(page.url()).pathname === "/portal", `signed in to the portal: ${page.url()}`);
}

function localTime(date) {
  const shifted = new Date(date.getTime() + 8 * 3600 * 1000);
  return shifted.toISOString().slice(0, 16);
}

(async () => {
  const browser = await launch();
  const desk = await browser.newContext({ viewport: sizes.desktop, locale: "zh-CN" });
  const organizer = await desk.newPage();

  // The organizer starts the market from its approved booking.
  await signIn(organizer, organizerEmail);
  await audit(organizer, "zh");
  await Promise.all([organizer.waitForNavigation(), organizer.click(`a[href="/portal/markets/new?booking=${booking}"]`)]);
  await audit(organizer, "zh");
  await organizer.fill("#title_zh", "江畔夜市");
  await organizer.fill("#title_en", "Riverside night market");
  await organizer.fill("#theme", "夜市");
  await organizer.fill("#series_first_date", firstDate);
  // Nothing ticked first: the form names the weekdays.
  await Promise.all([organizer.waitForNavigation(), organizer.click("#create-market")]);
  check(await organizer.locator(".error-summary a[href='#series_weekdays']").isVisible(), "missing weekdays are named");
  await audit(organizer, "zh-errors");
  for (const day of ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]) await organizer.check(`#day-${day}`);
  await Promise.all([organizer.waitForNavigation(), organizer.click("#create-market")]);
  const marketPath = new URL(organizer.url()).pathname;
  check(/^\/portal\/markets\/\d+$/.test(marketPath), `the market is made: ${organizer.url()}`);
  const market = marketPath.split("/").pop();
  await audit(organizer, "zh");

  await organizer.fill("#classes", "餐饮 | 9 | 是 | 是 | 是 | 300\n手作 | 6 | 是 | 否 | 否 | 150");
  await organizer.fill("#stalls", "F01 | 餐饮 | 0 | 0\nC01 | 手作 | 1 | 0\nC02 | 手作 | 2 | 0\nC03 | 手作 | 0 | 1");
  await Promise.all([organizer.waitForNavigation(), organizer.click("#plan-form button[type=submit]")]);
  check((await organizer.locator(".stall-map g").count()) === 4, "the plan is drawn with four stalls");
  await organizer.fill("#opens_at", localTime(new Date(Date.now() - 3600 * 1000)));
  await organizer.fill("#closes_at", localTime(new Date(Date.now() + 2 * 86400 * 1000)));
  await Promise.all([organizer.waitForNavigation(), organizer.click("#call-form button[type=submit]")]);
  check((await organizer.locator("#call-state").innerText()).includes("正在接受申请"), "the call is open");
  const publicPath = await organizer.getAttribute("#public-page", "href");
  await shoot(organizer, "1-organizer-market");

  // The vendor, on a phone in English, finds the call and applies with a photo.
  const phone = await browser.newContext({ viewport: sizes.phone, locale: "en-GB", isMobile: true, hasTouch: true });
  const vendor = await phone.newPage();
  await signIn(vendor, vendorEmail);
  check((await vendor.getAttribute("html", "lang")) === "en", "the phone's English is honoured");
  await audit(vendor, "en");
  await Promise.all([vendor.waitForNavigation(), vendor.click(`a[href="/portal/markets/${market}/apply"]`)]);
  await audit(vendor, "en");
  await vendor.fill("#category", "ceramics");
  await vendor.fill("#products", "Blue mugs and bowls");
  await Promise.all([vendor.waitForNavigation(), vendor.click("#send-application")]);
  check(/\/portal\/market-applications\/\d+/.test(vendor.url()), `the application is sent: ${vendor.url()}`);
  const application = new URL(vendor.url()).pathname.split("/").pop();
  await vendor.setInputFiles("#photo-form input[type=file]", photo);
  await vendor.fill("#photo-form input[name=alt]", "Blue mugs on a shelf");
  await Promise.all([vendor.waitForNavigation(), vendor.click("#photo-form button[type=submit]")]);
  check((await vendor.locator("main img[alt='Blue mugs on a shelf']").count()) === 1, "the photo is on the application");
  await audit(vendor, "en");
  await shoot(vendor, "2-vendor-application");

  // The organizer accepts and gives C01 for the first date.
  await organizer.goto(`${base}/portal/markets/${market}/applications`);
  await audit(organizer, "zh");
  await Promise.all([organizer.waitForNavigation(), organizer.click(`form[action="/portal/market-applications/${application}/decision"] button[value=accept]`)]);
  check((await organizer.locator("#applications").innerText()).includes("已录取"), "the vendor is accepted");
  await organizer.goto(`${base}/portal/markets/${market}/board`);
  await audit(organizer, "zh");
  check((await organizer.locator("#assign-F01").count()) === 1, "a craft vendor may stand on a food stall too");
  await Promise.all([organizer.waitForNavigation(), organizer.click("#assign-C01")]);
  check((await organizer.locator("#board").innerText()).includes(vendorEmail), "C01 is the vendor's on the board");
  check((await organizer.locator(".stall-map g.taken").count()) === 1, "one stall is taken on the map");
  await shoot(organizer, "3-board");
  await organizer.goto(`${base}/portal/markets/${market}/fees`);
  await audit(organizer, "zh");
  check((await organizer.locator("#fees-due").innerText()).includes("150"), "the fee is due");

  // The vendor sees its stall; the public page shows it on the map.
  await vendor.reload();
  check((await vendor.locator("#my-stalls").innerText()).includes("C01"), "the vendor sees stall C01");
  await shoot(vendor, "4-vendor-stall");
  await vendor.goto(`${base}${publicPath}`);
  await audit(vendor, "en");
  check((await vendor.locator(".stall-map g.taken").count()) === 1, "the public map shows the taken stall");
  check((await vendor.locator("main").innerText()).includes("ceramics"), "the vendor is listed with its category");
  await shoot(vendor, "5-public-market");
  await vendor.goto(`${base}/markets`);
  await audit(vendor, "en");

  await browser.close();
  console.log(`markets e2e: all checks passed (${audited.size} pages audited); screenshots in ${artifacts}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
