// A JSON-RPC 2.0 server built with npm `rpc-websockets` (a reference implementation of
// JSON-RPC over WebSocket), for wscli's dialect tests (tests/test_dialects.py).
//
//   node tests/node/jsonrpc.js     prints "PORT <n>"; exits when stdin closes
//
// Methods: sum(a, b, ...) -> the sum; fail() -> error -32000 "it failed";
// notify_me() -> true, then the notification "tick" with [1] right after.

"use strict";

const { Server } = require("rpc-websockets");

const server = new Server({ host: "127.0.0.1", port: 0 });
server.register("sum", (params) => params.reduce((a, b) => a + b, 0));
server.register("fail", () => {
  const error = new Error("it failed");
  error.code = -32000;
  throw error;
});
server.event("tick");
server.register("notify_me", () => {
  setTimeout(() => server.emit("tick", 1), 10);
  return true;
});
server.on("listening", () => {
  process.stdout.write(`PORT ${server.wss.address().port}\n`);
});
process.stdin.on("end", () => server.close().then(() => process.exit(0)));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));
