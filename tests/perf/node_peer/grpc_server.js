// Node peer for tests/perf/hot_paths/grpc_table.py: authgate.v1.AuthService/
// ValidateToken done the usual Node way, @grpc/grpc-js + @grpc/proto-loader
// serving the project's own proto/ and aws-jwt-verify's CognitoJwtVerifier
// (tokenUse "access", clientId) on a JWKS file given to cacheJwks (no
// network). An accepted token gets what authgate answers: the principal and
// every claim as a google.protobuf.Struct; a refused one UNAUTHENTICATED.
// Loopback only; a benchmark peer, not a product.
//
// Usage: node grpc_server.js --jwks FILE --user-pool-id REGION_ID
//                            --client-id ID [--port 0] [--workers 1]
// --workers N > 1 runs a node:cluster of N workers sharing one port (the
// primary accepts and hands connections out in turn). Prints {"port": N} on
// stdout once every worker listens; SIGTERM stops it.
"use strict";

const cluster = require("node:cluster");
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const { CognitoJwtVerifier } = require("aws-jwt-verify");

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) {
    console.error(`missing --${name}`);
    process.exit(2);
  }
  return fallback;
}

const PROTO_DIR = path.resolve(__dirname, "..", "..", "..", "proto");

// A JSON value as a google.protobuf.Value (proto-loader's object form).
function toValue(v) {
  if (v === null || v === undefined) return { nullValue: "NULL_VALUE" };
  if (typeof v === "number") return { numberValue: v };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v) };
}

function toStruct(object) {
  const fields = {};
  for (const [k, v] of Object.entries(object)) fields[k] = toValue(v);
  return { fields };
}

function asList(v) {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function serve(port, onListening) {
  const definition = protoLoader.loadSync(
    path.join(PROTO_DIR, "authgate", "v1", "auth_service.proto"),
    { keepCase: true, longs: Number, enums: String, defaults: false, includeDirs: [PROTO_DIR] },
  );
  const service = grpc.loadPackageDefinition(definition).authgate.v1.AuthService.service;
  const verifier = CognitoJwtVerifier.create({
    userPoolId: option("user-pool-id"),
    tokenUse: "access",
    clientId: option("client-id"),
  });
  verifier.cacheJwks(JSON.parse(fs.readFileSync(option("jwks"), "utf8")));

  const server = new grpc.Server();
  server.addService(service, {
    ValidateToken(call, callback) {
      verifier.verify(call.request.token).then(
        (claims) => {
          callback(null, {
            principal: {
              subject: claims.sub,
              username: claims.username || "",
              client_id: claims.client_id || "",
              token_use: claims.token_use || "",
              scopes: claims.scope ? claims.scope.split(" ") : [],
              groups: asList(claims["cognito:groups"]),
              expires_at: { seconds: claims.exp, nanos: 0 },
              issuer: claims.iss,
              audiences: asList(claims.aud),
              provider: "bench",
              issued_at: claims.iat === undefined ? undefined : { seconds: claims.iat, nanos: 0 },
              token_id: claims.jti || "",
            },
            claims: toStruct(claims),
          });
        },
        () => callback({ code: grpc.status.UNAUTHENTICATED, details: "invalid token" }),
      );
    },
  });
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
    if (err) {
      console.error(`cannot listen: ${err.message}`);
      process.exit(1);
    }
    onListening(bound);
  });
  process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
}

// A free loopback port, chosen once by the primary so every worker binds the
// same one.
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const workers = Number(option("workers", "1"));
if (workers <= 1) {
  serve(Number(option("port", "0")), (port) => {
    process.stdout.write(JSON.stringify({ port }) + "\n");
  });
} else if (cluster.isPrimary) {
  // Round robin: the primary accepts, each worker gets connections in turn.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  (async () => {
    const wanted = Number(option("port", "0"));
    const port = wanted || (await freePort());
    let listening = 0;
    for (let i = 0; i < workers; i++) {
      const worker = cluster.fork({ AUTHGATE_NODE_PEER_PORT: String(port) });
      worker.on("message", (message) => {
        if (message === "listening" && ++listening === workers) {
          process.stdout.write(JSON.stringify({ port }) + "\n");
        }
      });
    }
    cluster.on("exit", (worker, code) => {
      if (!stopping) {
        console.error(`worker ${worker.process.pid} exited with ${code}`);
        process.exit(1);
      }
    });
  })();
  let stopping = false;
  process.on("SIGTERM", () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.process.kill("SIGTERM");
    cluster.disconnect(() => process.exit(0));
  });
} else {
  serve(Number(process.env.AUTHGATE_NODE_PEER_PORT), () => process.send("listening"));
}
