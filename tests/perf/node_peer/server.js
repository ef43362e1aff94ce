// Node peer for scripts/bench_web: the bearer half of authgate's /oauth2/auth
// done the usual Node way, express + aws-jwt-verify's JwtRsaVerifier against
// a local JWKS file (no network), answering 202 with the identity headers or
// 401. Loopback only; a benchmark peer, not a product.
//
// Usage: node server.js --jwks FILE --issuer URL --client-id ID [--port 0]
// Prints {"port": N} on stdout once listening.
"use strict";

const fs = require("node:fs");
const express = require("express");
const { JwtRsaVerifier } = require("aws-jwt-verify");

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) {
    console.error(`missing --${name}`);
    process.exit(2);
  }
  return fallback;
}

const issuer = option("issuer");
const clientId = option("client-id");
// Cognito access tokens carry client_id, not aud; token_use says the kind.
const verifier = JwtRsaVerifier.create({
  issuer,
  audience: null,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== "access") throw new Error("token_use");
    if (payload.client_id !== clientId) throw new Error("client_id");
  },
});
verifier.cacheJwks(JSON.parse(fs.readFileSync(option("jwks"), "utf8")));

const app = express();
app.disable("x-powered-by");
app.disable("etag");
app.get("/oauth2/auth", async (req, res) => {
  const header = req.get("authorization") || "";
  const match = /^Bearer (\S+)$/.exec(header);
  if (!match) {
    res.status(401).set("WWW-Authenticate", 'Bearer realm="authgate"').end();
    return;
  }
  try {
    const claims = await verifier.verify(match[1]);
    res
      .status(202)
      .set({
        "X-Auth-Request-User": claims.username || claims.sub,
        "X-Auth-Request-Email": claims.email || "",
        "X-Auth-Request-Groups": (claims["cognito:groups"] || []).join(","),
        "X-Auth-Request-Sub": claims.sub,
      })
      .end();
  } catch {
    res
      .status(401)
      .set(
        "WWW-Authenticate",
        'Bearer realm="authgate", error="invalid_token"',
      )
      .end();
  }
});

const server = app.listen(Number(option("port", "0")), "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
server.keepAliveTimeout = 60000;
process.on("SIGTERM", () => server.close(() => process.exit(0)));
