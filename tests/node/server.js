// A Node `ws` server for wscli's interoperability tests (tests/test_interop.py).
//
//   node tests/node/server.js        (needs `npm ci` in tests/node first)
//
// Listens on 127.0.0.1 with a random port and prints "PORT <n>" as its first stdout line.
// Then, for every connection, one JSON line on stdout:
//   {"event": "open", "id": 1, "path": "/echo", "extensions": "permessage-deflate"}
//   {"event": "closed", "id": 1, "path": "/echo", "code": 1000, "reason": "",
//    "messages": ["text", {"hex": "00ff"}, ...]}       (every message received, in order)
// It exits when stdin closes (or on SIGTERM).
//
// The path picks the behaviour; query parameters tune it:
//   /echo                            echo every message (text as text, binary as binary)
//   /delay?ms=300                    echo, each answer ms after the previous answer
//   /delay-each?ms=300               echo, each answer ms after its message arrived
//   /close?code=4001&reason=bye&after=1
//                                    close with code/reason after `after` messages
//                                    (0: right after the handshake; code=none: empty frame)
// Compression (permessage-deflate) is accepted, as in the Python scenario server.

"use strict";

const { WebSocketServer } = require("ws");

const server = new WebSocketServer({
  host: "127.0.0.1",
  port: 0,
  perMessageDeflate: true,
  maxPayload: 0,
});
let nextId = 1;

function report(event) {
  process.stdout.write(JSON.stringify(event) + "\n");
}

function record(data, isBinary) {
  return isBinary ? { hex: data.toString("hex") } : data.toString("utf8");
}

function echoer(ws, query, pathname) {
  if (pathname === "/delay") {
    // Each answer `ms` after the previous one: a slow, steady server.
    const ms = Number(query.get("ms") || "300");
    const pending = [];
    let busy = false;
    const next = () => {
      if (pending.length === 0) {
        busy = false;
        return;
      }
      busy = true;
      setTimeout(() => {
        const [data, isBinary] = pending.shift();
        ws.send(data, { binary: isBinary });
        next();
      }, ms);
    };
    return (data, isBinary) => {
      pending.push([data, isBinary]);
      if (!busy) next();
    };
  }
  if (pathname === "/delay-each") {
    // Each answer `ms` after its own message arrived (timers of one duration fire in order).
    const ms = Number(query.get("ms") || "300");
    return (data, isBinary) => {
      setTimeout(() => ws.send(data, { binary: isBinary }), ms);
    };
  }
  return (data, isBinary) => ws.send(data, { binary: isBinary });
}

server.on("connection", (ws, request) => {
  const url = new URL(request.url, "http://localhost");
  const id = nextId++;
  const messages = [];
  report({
    event: "open",
    id,
    path: url.pathname,
    extensions: ws.extensions,
  });
  ws.on("close", (code, reason) => {
    report({ event: "closed", id, path: url.pathname, code, reason: reason.toString(), messages });
  });
  ws.on("error", () => {});

  if (url.pathname === "/close") {
    const after = Number(url.searchParams.get("after") || "1");
    const code = url.searchParams.get("code") || "1000";
    const reason = url.searchParams.get("reason") || "";
    const closeNow = () => (code === "none" ? ws.close() : ws.close(Number(code), reason));
    if (after === 0) {
      closeNow();
      return;
    }
    ws.on("message", (data, isBinary) => {
      messages.push(record(data, isBinary));
      if (messages.length === after) closeNow();
    });
    return;
  }
  const answer = echoer(ws, url.searchParams, url.pathname);
  ws.on("message", (data, isBinary) => {
    messages.push(record(data, isBinary));
    answer(data, isBinary);
  });
});

server.on("listening", () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});

function stop() {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
}

process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
