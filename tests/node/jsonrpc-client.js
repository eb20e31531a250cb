// A JSON-RPC 2.0 client (npm `rpc-websockets`), for wscli's listen --dialect jsonrpc
// tests (tests/test_dialects.py).
//
//   node tests/node/jsonrpc-client.js URL METHOD JSON-PARAMS
//
// Calls METHOD with the params, prints the result as JSON, and exits.

"use strict";

const { Client } = require("rpc-websockets");

const [url, method, params] = process.argv.slice(2);
const client = new Client(url, { autoconnect: true, reconnect: false });
client.on("open", async () => {
  try {
    const result = await client.call(method, JSON.parse(params), 5000);
    process.stdout.write(JSON.stringify(result) + "\n");
    client.close();
    process.exit(0);
  } catch (error) {
    process.stdout.write(`error ${JSON.stringify(error)}\n`);
    process.exit(1);
  }
});
client.on("error", (error) => {
  process.stdout.write(`error ${error.message}\n`);
  process.exit(1);
});
