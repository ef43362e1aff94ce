// One measured run of one Node verifier over the shared hot-path corpus
// (corpus.py), for verifier_table.py. Prints one JSON line
// {"mode", "threads", "ops", "seconds", "rate", "cpu_seconds"}. Modes:
//   floor           crypto.verify("RSA-SHA256") with a pre-made KeyObject over
//                   the tokens' signing inputs and pre-decoded signatures:
//                   Node's own floor, so each peer is also seen against its
//                   runtime's OpenSSL
//   fast_jwt        fast-jwt's createVerifier (the key as PEM, cache off,
//                   RS256 only, allowedIss)
//   aws_jwt_verify  aws-jwt-verify's CognitoJwtVerifier (user pool, client
//                   id, tokenUse "access"), JWKS given with cacheJwks (no
//                   network); verifySync, the peer's cheapest call
// A pass is one traversal of the tokens in use (--limit of the corpus).
// Timed with process.hrtime (monotonic) around the measured loop only.
// The npm packages come from tests/perf/node_peer (npm ci there).
//
//   node tests/perf/hot_paths/verify_node.js --corpus DIR --mode fast_jwt --passes 2
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const NODE_PEER = path.join(__dirname, "..", "node_peer", "node_modules");
const MODES = ["floor", "fast_jwt", "aws_jwt_verify"];

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) {
    console.error(`verify_node: missing --${name}`);
    process.exit(2);
  }
  return fallback;
}

const dir = option("corpus");
const mode = option("mode");
const passes = Number(option("passes", "1"));
const threads = Number(option("threads", "1"));
const limit = Number(option("limit", "0"));
if (!MODES.includes(mode) || !(passes >= 1) || threads !== 1) {
  console.error(`verify_node: --mode ${MODES.join("|")}, --passes >= 1, --threads 1`);
  process.exit(2);
}

let tokens = fs
  .readFileSync(path.join(dir, "tokens.txt"), "utf8")
  .split("\n")
  .filter((line) => line);
if (limit > 0) tokens = tokens.slice(0, limit);
const jwks = JSON.parse(fs.readFileSync(path.join(dir, "jwks.json"), "utf8"));
const meta = JSON.parse(fs.readFileSync(path.join(dir, "meta.json"), "utf8"));
const publicKey = crypto.createPublicKey({ key: jwks.keys[0], format: "jwk" });

// Returns a function that verifies token i, throwing when it is rejected.
function makeCall() {
  if (mode === "floor") {
    const inputs = tokens.map((t) => Buffer.from(t.slice(0, t.lastIndexOf("."))));
    const sigs = tokens.map((t) => Buffer.from(t.slice(t.lastIndexOf(".") + 1), "base64url"));
    return (i) => {
      if (!crypto.verify("RSA-SHA256", inputs[i], publicKey, sigs[i])) {
        throw new Error("signature");
      }
    };
  }
  if (mode === "fast_jwt") {
    const { createVerifier } = require(path.join(NODE_PEER, "fast-jwt"));
    const verify = createVerifier({
      key: publicKey.export({ type: "spki", format: "pem" }),
      algorithms: ["RS256"],
      allowedIss: meta.issuer,
      cache: false,
    });
    return (i) => verify(tokens[i]);
  }
  const { CognitoJwtVerifier } = require(path.join(NODE_PEER, "aws-jwt-verify"));
  const verifier = CognitoJwtVerifier.create({
    userPoolId: meta.issuer.slice(meta.issuer.lastIndexOf("/") + 1),
    tokenUse: "access",
    clientId: meta.client_id,
  });
  verifier.cacheJwks(jwks);
  return (i) => verifier.verifySync(tokens[i]);
}

const call = makeCall();
const n = tokens.length;
let failed = 0;
// Warm the JIT on a few tokens outside the clock, as a long-lived server is.
for (let i = 0; i < Math.min(n, 50); ++i) {
  try {
    call(i);
  } catch {
    ++failed;
  }
}
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
for (let p = 0; p < passes; ++p) {
  for (let i = 0; i < n; ++i) {
    try {
      call(i);
    } catch {
      ++failed;
    }
  }
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
// Well under `seconds`: the core was shared with another process.
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const ops = passes * n;
if (failed) {
  // Counts only: a token is a secret and never printed.
  console.error(`verify_node: ${failed} ${mode} calls failed (warm-up and measured)`);
  process.exit(1);
}
console.log(
  JSON.stringify({ mode, threads, ops, seconds, rate: ops / seconds, cpu_seconds: cpuSeconds }),
);
