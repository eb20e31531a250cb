// A STOMP 1.1 broker over WebSocket (npm `stomp-broker-js`), for wscli's dialect tests
// (tests/test_dialects.py).
//
//   node tests/node/stomp.js       prints "PORT <n>"; exits when stdin closes
//
// Path /stomp. It expects a client heart-beat at least every 400 ms (plus a 150 ms
// margin) when the client offers one, and closes the connection otherwise. Every
// message sent to /queue/echo comes back on /queue/echo.reply, upper-cased.

"use strict";

const http = require("http");
const StompServer = require("stomp-broker-js");

const server = http.createServer();
const broker = new StompServer({
  server,
  path: "/stomp",
  heartbeat: [0, 400],
  heartbeatErrorMargin: 150,
  debug: () => {},
});
broker.subscribe("/queue/echo", (body) => {
  broker.send("/queue/echo.reply", {}, String(body).toUpperCase());
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));
