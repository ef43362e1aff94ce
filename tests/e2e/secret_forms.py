"""The forms a secret can take in output (raw, percent-encoded, base64 of
either alphabet, with or without padding), for the tests that scan a
server's logs and pages for secrets (tests/grpc/test_secrets_scan.py,
tests/web/test_web_security.py). Forms shorter than 8 characters are left
out: they would match by chance."""

from __future__ import annotations

import base64
import urllib.parse


def encodings(secret: str) -> set[str]:
    raw = secret.encode()
    forms = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }
    return {f for f in forms if len(f) >= 8}
