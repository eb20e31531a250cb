// A GraphQL over WebSocket server (the graphql-transport-ws protocol) built with the
// protocol's reference implementation, npm `graphql-ws`, on `graphql` and `ws`; for
// wscli's script tests (tests/test_run_graphql.py).
//
//   node tests/node/graphql.js       (needs `npm ci` in tests/node first)
//
// Listens on 127.0.0.1 with a random port, path /graphql, and prints "PORT <n>" as its
// first stdout line. Schema:
//   type Query { hello(name: String): String }          "hello <name>"
//   type Subscription { tick(to: Int!): Int! }          1, 2, ... to, 10 ms apart
// onConnect requires connectionParams.token == "t0k3n" (else closes 4403 Forbidden).
// It exits when stdin closes (or on SIGTERM).
//
//   node tests/node/graphql.js legacy
//
// serves the same schema with npm `subscriptions-transport-ws` (the older "graphql-ws"
// subprotocol) instead, keep-alive messages every 100 ms; its onConnect refuses a
// wrong token with connection_error.

"use strict";

const { WebSocketServer } = require("ws");
const { useServer } = require("graphql-ws/use/ws");
const {
  GraphQLSchema,
  GraphQLObjectType,
  GraphQLString,
  GraphQLInt,
  GraphQLNonNull,
} = require("graphql");

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: {
      hello: {
        type: GraphQLString,
        args: { name: { type: GraphQLString } },
        resolve: (_, { name }) => `hello ${name}`,
      },
    },
  }),
  subscription: new GraphQLObjectType({
    name: "Subscription",
    fields: {
      tick: {
        type: new GraphQLNonNull(GraphQLInt),
        args: { to: { type: new GraphQLNonNull(GraphQLInt) } },
        subscribe: async function* (_, { to }) {
          for (let i = 1; i <= to; i++) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            yield { tick: i };
          }
        },
      },
    },
  }),
});

const legacy = process.argv[2] === "legacy";
let server;
if (legacy) {
  const { SubscriptionServer } = require("subscriptions-transport-ws");
  const { execute, subscribe } = require("graphql");
  const http = require("http");
  const httpServer = http.createServer();
  SubscriptionServer.create(
    {
      schema,
      execute,
      subscribe,
      keepAlive: 100,
      onConnect: (params) => {
        if (!params || params.token !== "t0k3n") throw new Error("Forbidden");
        return {};
      },
    },
    { server: httpServer, path: "/graphql" },
  );
  server = httpServer;
  server.listen(0, "127.0.0.1");
} else {
  server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/graphql" });
  useServer(
    {
      schema,
      onConnect: (ctx) => ctx.connectionParams && ctx.connectionParams.token === "t0k3n",
    },
    server,
  );
}
server.on("listening", () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});

function stop() {
  process.exit(0);
}
process.stdin.on("end", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
