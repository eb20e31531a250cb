// A Node `ws` client for the interoperability tests of `wscli listen` (tests/test_listen_interop.py).
//
//   node tests/node/client.js URL [options]        (needs `npm ci` in tests/node first)
//
// Connects to URL offering the subprotocol "chat", sends a text "hello from node" and a binary
// message 01 02 03, waits for 2 messages, then closes with 4001 "node bye". On stdout, one JSON
// line per event:
//   {"type": "open", "protocol": "chat", "extensions": "permessage-deflate; ..."}
//   {"type": "text", "data": "hello from node"}
//   {"type": "binary", "hex": "010203"}
//   {"type": "close", "code": 4001, "reason": "node bye"}    (what the client observed)
// Exit status 0 after the close; 1 with a message on stderr on an error or a timeout.
//
// Options (each optional):
//   --protocol NAME      offer NAME instead of "chat" (repeatable; "--protocol ''": offer none)
//   --text TEXT          send TEXT (repeatable; with --text or --hex, only those are sent)
//   --hex HEX            send the bytes HEX (e.g. 010203) as a binary message (repeatable)
//   --receive-only       send nothing
//   --expect N           close after receiving N messages (default: 2; 0: right after sending)
//   --code CODE          close code (default 4001)
//   --reason TEXT        close reason (default "node bye")
//   --timeout MS         give up after MS milliseconds (default 15000)

"use strict";

const WebSocket = require("ws");

function parse(argv) {
  const options = {
    url: null,
    protocols: null,
    sends: null,
    expect: 2,
    code: 4001,
    reason: "node bye",
    timeout: 15000,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === "--protocol") {
      const name = value();
      options.protocols = options.protocols || [];
      if (name !== "") options.protocols.push(name);
    } else if (arg === "--text") {
      options.sends = options.sends || [];
      options.sends.push(value());
    } else if (arg === "--hex") {
      options.sends = options.sends || [];
      options.sends.push(Buffer.from(value(), "hex"));
    } else if (arg === "--receive-only") {
      options.sends = [];
    } else if (arg === "--expect") {
      options.expect = Number(value());
    } else if (arg === "--code") {
      options.code = Number(value());
    } else if (arg === "--reason") {
      options.reason = value();
    } else if (arg === "--timeout") {
      options.timeout = Number(value());
    } else if (options.url === null) {
      options.url = arg;
    } else {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  if (options.url === null) throw new Error("usage: node client.js URL [options]");
  if (options.protocols === null) options.protocols = ["chat"];
  if (options.sends === null) options.sends = ["hello from node", Buffer.from([1, 2, 3])];
  return options;
}

function print(event) {
  process.stdout.write(JSON.stringify(event) + "\n");
}

function fail(message) {
  process.stderr.write(`client.js: ${message}\n`);
  process.exit(1);
}

let options;
try {
  options = parse(process.argv.slice(2));
} catch (e) {
  fail(e.message);
}

const timer = setTimeout(() => fail(`timed out after ${options.timeout} ms`), options.timeout);
const ws = new WebSocket(options.url, options.protocols, { perMessageDeflate: true });
let received = 0;
let closing = false;

function close() {
  if (closing) return;
  closing = true;
  ws.close(options.code, options.reason);
}

ws.on("open", () => {
  print({ type: "open", protocol: ws.protocol, extensions: ws.extensions });
  for (const data of options.sends) ws.send(data, { binary: Buffer.isBuffer(data) });
  if (options.expect <= 0) close();
});

ws.on("message", (data, isBinary) => {
  received += 1;
  print(
    isBinary
      ? { type: "binary", hex: data.toString("hex") }
      : { type: "text", data: data.toString("utf8") },
  );
  if (received >= options.expect) close();
});

ws.on("unexpected-response", (request, response) => {
  fail(`the server answered HTTP ${response.statusCode} instead of switching protocols`);
});

ws.on("error", (error) => fail(`error: ${error.message}`));

ws.on("close", (code, reason) => {
  print({ type: "close", code, reason: reason.toString("utf8") });
  clearTimeout(timer);
  // Let stdout drain before exiting.
  process.stdout.write("", () => process.exit(0));
});
