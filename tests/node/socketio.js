// A Socket.IO server (npm `socket.io`, the reference implementation: Engine.IO v4,
// Socket.IO v5), for wscli's dialect tests (tests/test_dialects.py).
//
//   node tests/node/socketio.js    prints "PORT <n>"; exits when stdin closes
//
// pingInterval 300 ms, pingTimeout 700 ms: a client that does not answer the heartbeat
// is dropped within a second. The main namespace echoes every event back as
// ["echo", event, ...args], answers an acknowledged emit with ["ok", ...args], and on
// "binary" sends ["file", <Buffer 00 01 02>]. Namespace /chat needs the connect payload
// {"token": "t0k3n"} and greets with ["welcome", token].

"use strict";

const http = require("http");
const { Server } = require("socket.io");

const httpServer = http.createServer();
const io = new Server(httpServer, { pingInterval: 300, pingTimeout: 700, transports: ["websocket"] });

io.on("connection", (socket) => {
  socket.onAny((event, ...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) {
      ack("ok", ...args);
      return;
    }
    if (event === "binary") {
      socket.emit("file", Buffer.from([0, 1, 2]));
      return;
    }
    socket.emit("echo", event, ...args);
  });
});

const chat = io.of("/chat");
chat.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === "t0k3n") next();
  else next(new Error("not authorized"));
});
chat.on("connection", (socket) => socket.emit("welcome", socket.handshake.auth.token));

httpServer.listen(0, "127.0.0.1", () => {
  process.stdout.write(`PORT ${httpServer.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));
