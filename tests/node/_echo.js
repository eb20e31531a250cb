const { WebSocketServer } = require("ws");
const server = new WebSocketServer({ host: "127.0.0.1", port: 8765, perMessageDeflate: false });
server.on("connection", (ws) => ws.on("message", (d, b) => ws.send(d, {binary: b})));
