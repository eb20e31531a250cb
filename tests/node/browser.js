// Drives wscli's console page in headless Chromium (tests/test_listen_interop.py).
//
//   node tests/node/browser.js PAGE_URL [options]    (needs `npm ci` in tests/node first)
//
// PAGE_URL is the page `wscli listen` serves on GET /, normally with ?autoconnect=0. The script
// opens it, types the subprotocols into #protocols, clicks #connect (not with --autoconnect)
// and waits for the state "OPEN (1)"; sends a text (#text, #send-text) and waits for an incoming message; sends a
// binary message (#binary, #send-binary) and waits for another; reads the state spans; then
// closes with a code and a reason (#code, #reason, #close) and waits for the close event.
// It prints ONE JSON line on stdout:
//   {"events": window.wscliEvents, "spans": {"protocol": ..., "extensions": ...,
//    "bufferedAmount": ..., "readyState": ..., "urlShown": ...}, "urlField": "ws://...",
//    "closedState": "CLOSED (3)", "pageErrors": [...], "consoleErrors": [...],
//    "httpErrors": [{"url": ..., "status": 404}, ...]}   (responses with a status >= 400)
// and exits 0; on any failure or timeout it exits 1 with a message on stderr.
//
// Options (each optional):
//   --protocols LIST   typed into #protocols (default "chat"; "" for none)
//   --text TEXT        the text to send (default "hello from chromium")
//   --binary HEX       typed into #binary (default "00 01 fe ff"; "" to send no binary)
//   --code CODE        typed into #code (default 4000)
//   --reason TEXT      typed into #reason (default "bye from the browser")
//   --timeout MS       the whole run's limit (default 30000); each step waits at most half
//   --autoconnect      do not touch #protocols nor click #connect: wait for the connection
//                      the page opens by itself on load (PAGE_URL without ?autoconnect=0)
//   --ignore-https-errors   accept any TLS certificate (a test CA's) for https:// and wss://
//
// Chromium: $CHROMIUM, else `chromium` on PATH, else /usr/bin/chromium; playwright-core only
// drives it (no browser is downloaded).

"use strict";

const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

let stepTimeout = 15000;

function parse(argv) {
  const options = {
    url: null,
    protocols: "chat",
    text: "hello from chromium",
    binary: "00 01 fe ff",
    code: "4000",
    reason: "bye from the browser",
    timeout: 30000,
    autoconnect: false,
    ignoreHTTPSErrors: false,
  };
  const flags = { "--autoconnect": "autoconnect", "--ignore-https-errors": "ignoreHTTPSErrors" };
  const names = {
    "--protocols": "protocols",
    "--text": "text",
    "--binary": "binary",
    "--code": "code",
    "--reason": "reason",
    "--timeout": "timeout",
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg in flags) {
      options[flags[arg]] = true;
    } else if (arg in names) {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      options[names[arg]] = argv[++i];
    } else if (options.url === null) {
      options.url = arg;
    } else {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  if (options.url === null) throw new Error("usage: node browser.js PAGE_URL [options]");
  options.timeout = Number(options.timeout);
  stepTimeout = Math.max(1000, Math.floor(options.timeout / 2));
  return options;
}

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    const candidate = path.join(dir || ".", "chromium");
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return "/usr/bin/chromium";
}

let browser = null;

async function fail(message) {
  process.stderr.write(`browser.js: ${message}\n`);
  process.exitCode = 1;
  if (browser !== null) {
    const closing = browser.close().catch(() => {});
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 3000))]);
  }
  process.exit(1);
}

// Wait until window.wscliEvents holds `count` events matching (type, direction).
async function waitForEvents(page, what, type, direction, count) {
  try {
    await page.waitForFunction(
      ([t, d, n]) =>
        (window.wscliEvents || []).filter((e) => e.type === t && (d === null || e.direction === d))
          .length >= n,
      [type, direction, count],
      { timeout: stepTimeout },
    );
  } catch (e) {
    const events = await page.evaluate(() => window.wscliEvents).catch(() => null);
    throw new Error(`${what}: ${e.message.split("\n")[0]}; events so far: ${JSON.stringify(events)}`);
  }
}

async function main(options) {
  let step = "launching Chromium";
  const watchdog = setTimeout(
    () => fail(`timed out after ${options.timeout} ms while ${step}`),
    options.timeout,
  );
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    timeout: stepTimeout,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext({ ignoreHTTPSErrors: options.ignoreHTTPSErrors });
  const page = await context.newPage();
  page.setDefaultTimeout(stepTimeout);
  const pageErrors = [];
  const consoleErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const httpErrors = [];
  page.on("response", (response) => {
    if (response.status() >= 400) httpErrors.push({ url: response.url(), status: response.status() });
  });
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });

  step = `opening ${options.url}`;
  const response = await page.goto(options.url, { waitUntil: "load" });
  if (response === null || response.status() !== 200) {
    throw new Error(`GET ${options.url} answered ${response === null ? "nothing" : response.status()}`);
  }
  await page.waitForFunction(() => window.wscliReady === true);
  const urlField = await page.inputValue("#url");

  step = "connecting";
  if (!options.autoconnect) {
    await page.fill("#protocols", options.protocols);
    await page.click("#connect");
  }
  await page.waitForFunction(
    () => document.getElementById("readyState").textContent === "OPEN (1)",
  ).catch(async (e) => {
    const events = await page.evaluate(() => window.wscliEvents).catch(() => null);
    throw new Error(`the socket never opened (${e.message.split("\n")[0]}); events: ${JSON.stringify(events)}`);
  });
  await waitForEvents(page, "the open event", "open", null, 1);

  let expectedIn = 0;
  step = "sending text";
  await page.fill("#text", options.text);
  await page.click("#send-text");
  expectedIn += 1;
  await waitForEvents(page, "waiting for the text reply", "message", "in", expectedIn);

  if (options.binary !== "") {
    step = "sending binary";
    await page.fill("#binary", options.binary);
    await page.click("#send-binary");
    expectedIn += 1;
    await waitForEvents(page, "waiting for the binary reply", "message", "in", expectedIn);
  }

  step = "reading the state spans";
  const spans = await page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent;
    return {
      readyState: text("readyState"),
      protocol: text("protocol"),
      extensions: text("extensions"),
      bufferedAmount: text("bufferedAmount"),
      urlShown: text("url-shown"),
    };
  });

  step = "closing";
  await page.fill("#code", options.code);
  await page.fill("#reason", options.reason);
  await page.click("#close");
  await waitForEvents(page, "waiting for the close event", "close", null, 1);
  const closedState = await page.textContent("#readyState");
  const events = await page.evaluate(() => window.wscliEvents);

  step = "closing Chromium";
  await browser.close();
  browser = null;
  clearTimeout(watchdog);
  const result = {
    events,
    spans,
    urlField,
    closedState,
    pageErrors,
    consoleErrors,
    httpErrors,
  };
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
}

let options;
try {
  options = parse(process.argv.slice(2));
} catch (e) {
  fail(e.message);
}
if (options) main(options).catch((e) => fail(e && e.stack ? e.stack : String(e)));
