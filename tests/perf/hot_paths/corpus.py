"""The one token corpus every hot-path benchmark reads (scripts/bench_hot_paths).

A corpus directory holds:
  tokens.txt   one distinct Cognito-shaped RS256 access token per line
  jwks.json    the public key set ({"keys": [...]}, kid KID)
  key.pem      the 2048-bit private key (PKCS#8), for tools that mint more
  meta.json    {"issuer", "client_id", "kid", "count", "exp"}

Tokens are minted here, in worker processes, with PyJWT and cryptography
(Debian's python3-jwt, python3-cryptography): minting thousands through an
emulator would take minutes. serve_jwks() publishes the set on loopback for
a server that fetches its keys.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BenchPool1"
CLIENT_ID = "benchclient0123456789abcd"
KID = "bench-key-1"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _make_key() -> tuple[bytes, dict]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "kid": KID,
        "alg": "RS256",
        "use": "sig",
        "n": _b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        "e": _b64url(numbers.e.to_bytes(3, "big")),
    }
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem, {"keys": [jwk]}


def _mint(args: tuple[bytes, int, int]) -> list[str]:
    """Signs `count` distinct tokens expiring at `exp` (worker process)."""
    pem, count, exp = args
    import jwt
    from cryptography.hazmat.primitives import serialization

    # Parsed once: PyJWT would re-parse (and re-check) a PEM on every call.
    key = serialization.load_pem_private_key(pem, password=None)
    now = int(time.time())
    tokens = []
    for _ in range(count):
        # The claim set of a Cognito user-pool access token (COGNITO.md).
        claims = {
            "sub": str(uuid.uuid4()),
            "cognito:groups": ["readers"],
            "iss": ISSUER,
            "version": 2,
            "client_id": CLIENT_ID,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": "access",
            "scope": "openid profile email",
            "auth_time": now - 60,
            "exp": exp,
            "iat": now - 60,
            "jti": str(uuid.uuid4()),
            "username": str(uuid.uuid4()),
        }
        tokens.append(jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID}))
    return tokens


def create(directory: str, count: int, lifetime_s: int = 7200) -> dict:
    """Writes a corpus of `count` tokens into `directory`; returns meta.json."""
    os.makedirs(directory, exist_ok=True)
    pem, jwks = _make_key()
    exp = int(time.time()) + lifetime_s
    workers = os.cpu_count() or 1
    chunks = [count // workers + (i < count % workers) for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        tokens = [
            t for part in pool.map(_mint, [(pem, n, exp) for n in chunks if n]) for t in part
        ]
    with open(os.path.join(directory, "tokens.txt"), "w") as f:
        f.write("\n".join(tokens) + "\n")
    with open(os.path.join(directory, "jwks.json"), "w") as f:
        json.dump(jwks, f)
    with open(os.path.join(directory, "key.pem"), "wb") as f:
        f.write(pem)
    meta = {"issuer": ISSUER, "client_id": CLIENT_ID, "kid": KID, "count": count, "exp": exp}
    with open(os.path.join(directory, "meta.json"), "w") as f:
        json.dump(meta, f)
    return meta


def load_tokens(directory: str) -> list[str]:
    with open(os.path.join(directory, "tokens.txt")) as f:
        return [line for line in f.read().split("\n") if line]


def serve_jwks(directory: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Publishes the corpus's jwks.json on loopback; returns (server, URL)."""
    with open(os.path.join(directory, "jwks.json"), "rb") as f:
        body = f.read()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "max-age=3600")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/jwks.json"


if __name__ == "__main__":
    import sys

    print(json.dumps(create(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000)))
