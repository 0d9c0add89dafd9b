// What every end-to-end script shares: the expectation helper, one Chromium launch, and the
// page audit (html-validate on the HTML as served, then axe-core in the page).
const { chromium } = require("playwright-core");
const { HtmlValidate } = require("html-validate");

const axePath = require.resolve("axe-core/axe.min.js");
const axeSource = require("fs").readFileSync(axePath, "utf8");
const sizes = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

function check(condition, message) {
  if (!condition) throw new Error(`expectation failed: ${message}`);
}

function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

const validator = new HtmlValidate({
  extends: ["html-validate:recommended"],
  // Style rules about template whitespace and title length say nothing about validity.
  rules: { "no-inline-style": "off", "long-title": "off", "no-trailing-whitespace": "off" },
});

/// The page at `url` is valid HTML as the server sends it.
async function validate(page, url) {
  const html = await (await page.request.get(url)).text();
  const report = await validator.validateString(html, url);
  const messages = report.results.flatMap((r) => r.messages.map((m) => `${url}:${m.line}: ${m.ruleId} ${m.message}`));
  check(report.valid, `valid HTML:\n${messages.join("\n")}`);
}

const audited = new Set();

/// Validates the current page and runs axe-core on it: no serious or critical violation. Each
/// path is audited once per `label` (a language, say), however often the flow comes back to it.
async function audit(page, label = "") {
  const url = page.url().split("#")[0];
  const key = `${label}:${new URL(url).pathname}`;
  if (audited.has(key)) return;
  audited.add(key);
  await validate(page, url);
  // Evaluated rather than added as a <script>: our Content-Security-Policy refuses inline scripts.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => (await window.axe.run()).violations);
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(serious.length === 0, `${url}: axe finds ${serious.map((v) => `${v.id} (${v.nodes.map((n) => n.target).join(" ")})`).join(", ")}`);
}

/// The TOTP code (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits) of a base32 key, computed
/// here as an authenticator app would, independently of the service.
function totp(secretBase32, unixSeconds = Math.floor(Date.now() / 1000)) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secretBase32.replace(/[^A-Za-z2-7]/g, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const digest = require("crypto").createHmac("sha1", key).update(counter).digest();
  const offset = digest[19] & 0xf;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
}

module.exports = { audit, audited, check, launch, sizes, totp, validate };
