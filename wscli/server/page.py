"""The browser console page that ``wscli listen`` serves on a plain HTTP GET of ``/``.

One self-contained HTML document (inline CSS and JS, no external resources): a console over
the browser's own WebSocket API that connects back to the server that served it. Peer data is
only ever written with ``textContent``; every log entry is also pushed as a plain object onto
``window.wscliEvents`` so that browser tests can read the session.
"""

import json

__all__ = ["page_html"]

_WS_PATH = "__WSCLI_WS_PATH__"

_PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wscli console</title>
<style>
  :root { color-scheme: light; }
  body { margin: 1rem auto; max-width: 64rem; padding: 0 1rem; color: #1b1b1b;
         background: #fbfbf8; font: 14px/1.4 system-ui, sans-serif; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; }
  .intro { margin: 0 0 .75rem; color: #555; }
  code, input, textarea, #state, #log { font-family: ui-monospace, Menlo, Consolas, monospace; }
  input, textarea, button { font-size: inherit; }
  input, textarea { padding: .2rem .35rem; border: 1px solid #bbb; border-radius: 3px; }
  #state { background: #eef1f4; border: 1px solid #cfd6dd; border-radius: 4px;
           padding: .4rem .6rem; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; }
  #state span { font-weight: 600; }
  fieldset { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center;
             margin: .75rem 0; border: 1px solid #d4d4d4; border-radius: 4px; }
  label { display: flex; gap: .3rem; align-items: center; }
  .grow { flex: 1 1 20rem; }
  .grow input { flex: 1; }
  #text { flex: 1 1 100%; min-height: 3.5rem; }
  #binary { flex: 1 1 16rem; }
  #log { margin: 0; padding: .4rem .6rem .4rem 3.2rem; max-height: 50vh; overflow-y: auto;
         background: #fff; border: 1px solid #d4d4d4; border-radius: 4px;
         white-space: pre-wrap; overflow-wrap: anywhere; }
  #log .in { color: #0b4f8a; }
  #log .out { color: #1d6b2c; }
  #log .open, #log .close { color: #6b4e00; }
  #log .error { color: #b00020; }
</style>
</head>
<body>
<h1>wscli console</h1>
<p class="intro">A console over the browser's WebSocket API, served by
  <code>wscli listen</code>.</p>
<div id="state">
  <div>state <span id="readyState"></span></div>
  <div>protocol <span id="protocol"></span></div>
  <div>extensions <span id="extensions"></span></div>
  <div>buffered <span id="bufferedAmount">0</span></div>
  <div>url <span id="url-shown"></span></div>
</div>
<fieldset>
  <legend>Connection</legend>
  <label class="grow">URL <input id="url" spellcheck="false"></label>
  <label>Subprotocols <input id="protocols" placeholder="chat, json" spellcheck="false"></label>
  <button id="connect" type="button">Connect</button>
</fieldset>
<fieldset>
  <legend>Send</legend>
  <textarea id="text" placeholder="text message (Ctrl+Enter sends)"></textarea>
  <button id="send-text" type="button">Send text</button>
  <input id="binary" placeholder="hex bytes, e.g. 01 02 ff" spellcheck="false">
  <button id="send-binary" type="button">Send binary</button>
</fieldset>
<fieldset>
  <legend>Close</legend>
  <label>Code <input id="code" value="1000" size="6" inputmode="numeric"></label>
  <label class="grow">Reason <input id="reason"></label>
  <button id="close" type="button">Close</button>
</fieldset>
<ol id="log"></ol>
<script>
"use strict";
(() => {
  const WS_PATH = __WSCLI_WS_PATH__;
  const STATES = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"];
  const byId = (id) => document.getElementById(id);
  const events = (window.wscliEvents = []);
  const encoder = new TextEncoder();
  const logList = byId("log");
  let ws = null;

  const pad = (n) => String(n).padStart(2, "0");
  const clock = (d) => [d.getHours(), d.getMinutes(), d.getSeconds()].map(pad).join(":");
  const errorMessage = (e) => (e && e.message ? e.message : String(e));
  const stateText = () => (ws ? `${STATES[ws.readyState]} (${ws.readyState})` : "none");
  const toHex = (buffer) =>
    Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join(" ");

  function parseHex(input) {
    const bytes = [];
    for (const token of input.split(/\s+/).filter(Boolean)) {
      if (!/^(?:[0-9a-f]{2})+$/i.test(token)) {
        throw new Error(`invalid hex ${JSON.stringify(token)}: use byte pairs like 01 02 ff`);
      }
      for (let i = 0; i < token.length; i += 2) bytes.push(parseInt(token.slice(i, i + 2), 16));
    }
    return new Uint8Array(bytes).buffer;
  }

  function setText(id, value) {
    const el = byId(id);
    if (el.textContent !== value) el.textContent = value;
  }

  function refresh() {
    setText("readyState", stateText());
    setText("protocol", ws ? ws.protocol : "");
    setText("extensions", ws ? ws.extensions : "");
    setText("bufferedAmount", String(ws ? ws.bufferedAmount : 0));
    setText("url-shown", ws ? ws.url : "");
  }

  // The one way into the log: a plain object for tests, an <li> (textContent only) for people.
  function record(entry, text, className, date = new Date()) {
    events.push(entry);
    const li = document.createElement("li");
    li.className = className || entry.type;
    li.textContent = `${clock(date)} ${text}`;
    logList.appendChild(li);
    logList.scrollTop = logList.scrollHeight;
    refresh();
  }

  const logError = (message) => record({ type: "error", message }, `error: ${message}`);

  function logMessage(direction, data) {
    const arrow = direction === "in" ? "<" : ">";
    const className = `message ${direction}`;
    if (typeof data === "string") {
      const size = encoder.encode(data).length;
      const entry = { type: "message", direction, binary: false, text: data, size };
      record(entry, `${arrow} ${data}`, className);
    } else {
      const hex = toHex(data);
      const size = data.byteLength;
      const label = `[binary ${size} ${size === 1 ? "byte" : "bytes"}]`;
      record({ type: "message", direction, binary: true, hex, size }, `${arrow} ${label} ${hex}`,
        className);
    }
  }

  function connect() {
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
    const protocols = byId("protocols").value.split(",").map((p) => p.trim()).filter(Boolean);
    let socket;
    try {
      socket = new WebSocket(byId("url").value.trim(), protocols);
    } catch (e) {
      logError(errorMessage(e));
      return;
    }
    socket.binaryType = "arraybuffer";
    ws = socket;
    socket.addEventListener("open", () => {
      const { url, protocol, extensions } = socket;
      const date = new Date();
      record({ type: "open", url, protocol, extensions, time: date.toISOString() },
        `open protocol=${protocol} extensions=${extensions}`, "open", date);
    });
    socket.addEventListener("message", (ev) => logMessage("in", ev.data));
    socket.addEventListener("error", () => logError("WebSocket error"));
    socket.addEventListener("close", (ev) => {
      const { code, reason, wasClean } = ev;
      const date = new Date();
      record({ type: "close", code, reason, wasClean, time: date.toISOString() },
        `close ${code} ${JSON.stringify(reason)} wasClean=${wasClean}`, "close", date);
    });
    refresh();
  }

  function send(data) {
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      logError(`cannot send: the socket is ${stateText()}`);
      return;
    }
    try {
      ws.send(data);
    } catch (e) {
      logError(errorMessage(e));
      return;
    }
    logMessage("out", data);
  }

  function sendBinary() {
    let buffer;
    try {
      buffer = parseHex(byId("binary").value);
    } catch (e) {
      logError(errorMessage(e));
      return;
    }
    send(buffer);
  }

  function close() {
    if (!ws) {
      logError("cannot close: not connected");
      return;
    }
    const codeText = byId("code").value.trim();
    const reason = byId("reason").value;
    try {
      // An empty code field means "no code" (the browser then sends 1000 if a reason is given).
      ws.close(codeText === "" ? undefined : Number(codeText), reason);
    } catch (e) {
      logError(errorMessage(e));
    }
    refresh();
  }

  byId("url").value =
    (location.protocol === "https:" ? "wss://" : "ws://") + location.host + WS_PATH;
  byId("connect").addEventListener("click", connect);
  byId("send-text").addEventListener("click", () => send(byId("text").value));
  byId("send-binary").addEventListener("click", sendBinary);
  byId("close").addEventListener("click", close);
  byId("text").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      send(byId("text").value);
    }
  });
  byId("binary").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") sendBinary();
  });
  setInterval(refresh, 200);
  refresh();
  if (new URLSearchParams(location.search).get("autoconnect") !== "0") connect();
  window.wscliReady = true;
})();
</script>
</body>
</html>
"""


def page_html(ws_path: str = "/") -> bytes:
    """The console page, UTF-8; its WebSocket connects to ws(s)://<the page's host><ws_path>."""
    # A JS string literal that no path can break out of: JSON quoting, and no "</" (which
    # could close the script) or "<!--" (which changes how the HTML parser reads the script).
    literal = json.dumps(ws_path).replace("</", "<\\/").replace("<!--", "<\\u0021--")
    return _PAGE.replace(_WS_PATH, literal, 1).encode("utf-8")
