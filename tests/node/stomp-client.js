// A STOMP client (npm `@stomp/stompjs` over `ws`), for wscli's listen --dialect stomp
// tests (tests/test_dialects.py).
//
//   node tests/node/stomp-client.js URL DESTINATION BODY
//
// Connects, subscribes to DESTINATION, sends BODY there, prints the body of the first
// MESSAGE it receives, disconnects and exits.

"use strict";

const { Client } = require("@stomp/stompjs");
const WebSocket = require("ws");

const [url, destination, body] = process.argv.slice(2);
const client = new Client({
  webSocketFactory: () => new WebSocket(url, ["v12.stomp", "v11.stomp", "v10.stomp"]),
  reconnectDelay: 0,
  heartbeatIncoming: 0,
  heartbeatOutgoing: 0,
});
client.onConnect = () => {
  client.subscribe(destination, (message) => {
    process.stdout.write(message.body + "\n");
    client.deactivate().then(() => process.exit(0));
  });
  client.publish({ destination, body });
};
client.onStompError = (frame) => {
  process.stdout.write(`error ${frame.headers.message}\n`);
  process.exit(1);
};
client.activate();
