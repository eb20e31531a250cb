// A Socket.IO client (npm `socket.io-client`, the reference implementation), for
// wscli's listen --dialect socketio tests (tests/test_dialects.py).
//
//   node tests/node/socketio-client.js URL EVENT JSON-ARGS COUNT
//
// Connects (WebSocket transport only), emits EVENT with the arguments, prints each event
// it receives as one JSON line ["event", ...args] and exits after COUNT of them; prints
// "ack" and the ack's arguments when the server acknowledges the emit.

"use strict";

const { io } = require("socket.io-client");

const [url, event, args, count] = process.argv.slice(2);
const socket = io(url, { transports: ["websocket"], reconnection: false });
let seen = 0;
socket.onAny((name, ...rest) => {
  process.stdout.write(JSON.stringify([name, ...rest]) + "\n");
  seen += 1;
  if (seen >= Number(count)) {
    socket.close();
    process.exit(0);
  }
});
socket.on("connect", () => {
  socket.emit(event, ...JSON.parse(args), (...ack) => {
    process.stdout.write(JSON.stringify(["ack", ...ack]) + "\n");
  });
});
socket.on("connect_error", (error) => {
  process.stdout.write(`connect_error ${error.message}\n`);
  process.exit(1);
});
