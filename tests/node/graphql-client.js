// A GraphQL over WebSocket client built with the protocol's reference implementation
// (npm `graphql-ws`'s createClient on `ws`), for wscli's mock-server tests.
//
//   node tests/node/graphql-client.js URL TOKEN QUERY
//
// Connects (subprotocol graphql-transport-ws, connectionParams {token}), subscribes to
// QUERY, prints each result as one JSON line, then "complete" (or "error ..." and exit 1).

"use strict";

const WebSocket = require("ws");
const { createClient } = require("graphql-ws");

const [url, token, query] = process.argv.slice(2);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { token },
  retryAttempts: 0,
  lazy: true,
});
client.subscribe(
  { query },
  {
    next: (result) => process.stdout.write(JSON.stringify(result) + "\n"),
    error: (error) => {
      const text = error instanceof Error ? error.message : JSON.stringify(error);
      process.stdout.write(`error ${text}\n`);
      client.dispose().then(() => process.exit(1));
    },
    complete: () => {
      process.stdout.write("complete\n");
      client.dispose().then(() => process.exit(0));
    },
  },
);
