"""Provider faults against authgate-server: a FaultProxy (fault_proxy.py) sits
between the server and the real oidc-provider and misbehaves on command.

Complements test_server.py, which covers a provider down at start
(outage), an unreachable JWKS and the drain of one in-flight call. Here:
JWKS faults while cached keys serve and at start, OAuth token-endpoint
faults, TLS to a provider, DNS failure, a random-kid burst counted at the
proxy, SIGTERM under load and SIGKILL + restart.

Health: the server has one health state (every service name moves
together; "" included): SERVING while every provider has a servable key
set. A failing refetch while cached keys serve is therefore not a health
change; the tests assert that.
"""

import base64
import collections
import json
import re
import secrets
import signal
import subprocess
import threading
import time

import grpc
import pytest

import providers
from conftest import Server, m2m_provider_config, oidc_provider_config, wait_health
from fault_proxy import FaultProxy
from test_oauth import sign_in
from test_server import m2m_token
from test_validate_token import expect_error

JWKS = "/.well-known/jwks.json"
TOKEN = "/oauth2/token"
COOLDOWN_S = 1.0
JWKS_OPTIONS = {"refetch_cooldown": "1s", "fetch_timeout": "1s"}
FAST_RETRY = {"provider_retry_initial": "200ms", "provider_retry_max": "500ms"}


# --- helpers ----------------------------------------------------------------


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged(issuer: str, kid: str) -> str:
    """Routes to `issuer` with `kid`; never signed."""
    return ".".join(
        [
            b64({"alg": "RS256", "kid": kid}),
            b64({"iss": issuer, "sub": "x", "exp": int(time.time()) + 600}),
            "c2lnbmF0dXJl",
        ]
    )


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))[
        "kid"
    ]


_SAMPLE = re.compile(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$")


def scrape(server) -> dict:
    """{(name, frozenset(labels)): value} of the metrics page."""
    out = {}
    for line in server.metrics().splitlines():
        match = _SAMPLE.match(line)
        if not match:
            continue
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        out[(match.group(1), labels)] = float(match.group(3))
    return out


def metric(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def metadata(auth, pb, provider="oidc"):
    request = pb.auth.GetProviderMetadataRequest(provider=provider)
    return auth.GetProviderMetadata(request)


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


def wait_cooldown(proxy: FaultProxy) -> None:
    """Past the refetch cooldown since the server's last JWKS request."""
    remaining = proxy.last_at(JWKS) + COOLDOWN_S + 0.1 - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def health_status(channel, pb) -> int:
    return (
        pb.health_grpc.HealthStub(channel)
        .Check(pb.health.HealthCheckRequest(), timeout=2)
        .status
    )


def serving(pb, name="SERVING") -> int:
    return pb.health.HealthCheckResponse.ServingStatus.Value(name)


@pytest.fixture()
def jwks_proxy(oidc):
    with FaultProxy(oidc.endpoint) as proxy:
        yield proxy


def jwks_via(proxy: FaultProxy, oidc) -> str:
    return proxy.url + oidc.issuer[len(oidc.endpoint) :] + JWKS


def m2m_server(oidc, proxy, tmp_path, server=None, **jwks):
    config = {
        "server": {**FAST_RETRY, **(server or {})},
        "providers": [
            m2m_provider_config(
                oidc,
                endpoints={"jwks_uri": jwks_via(proxy, oidc)},
                jwks={**JWKS_OPTIONS, **jwks},
            )
        ],
    }
    return Server(config=config, tmp=tmp_path).started()


# One entry per JWKS fault: the proxy's settings, the reason of the failed
# fetch (jwks_fetch_failed) and what its message (last_key_error, a cold
# ValidateToken's details) says. 50 MB declared up front, so the fetcher
# refuses at the headers; the token path below streams 100 MB with no length.
JWKS_FAULTS = {
    "kill": ({}, "provider_unavailable", "request to 127.0.0.1 failed"),
    "delay": ({"seconds": 3}, "provider_timeout", "request to 127.0.0.1 timed out"),
    "truncate": ({}, "provider_response_invalid", "is unusable"),
    "invalid_json": ({}, "provider_response_invalid", "is unusable"),
    "oversized": (
        {"size": 50 << 20, "declared": True},
        "provider_response_too_large",
        "exceeds 262144 bytes",
    ),
    "refuse": ({}, "provider_unavailable", "request to 127.0.0.1 failed"),
}


# --- 1. JWKS faults while cached keys serve -----------------------------------


@pytest.mark.parametrize("mode", list(JWKS_FAULTS))
def test_jwks_fault_keeps_cached_keys_and_recovers_by_itself(
    mode, oidc, jwks_proxy, tmp_path, pb
):
    params, reason, says = JWKS_FAULTS[mode]
    proxy = jwks_proxy
    srv = m2m_server(oidc, proxy, tmp_path)
    try:
        with srv.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
            auth = pb.auth_grpc.AuthServiceStub(channel)
            old_a, old_b = m2m_token(oidc), m2m_token(oidc)
            auth.ValidateToken(pb.auth.ValidateTokenRequest(token=old_a))
            before = scrape(srv)
            seen_before, faulted_before = proxy.count(JWKS), proxy.faulted(JWKS)

            proxy.set_fault(mode, match=JWKS, **params)
            providers.rotate_keys(oidc)
            new = m2m_token(oidc)
            wait_cooldown(proxy)
            # The refetch for the new kid fails; the set it still serves lacks
            # the kid (documented: OnUnknownKeyId returns the set to use).
            expect_error(
                lambda: auth.ValidateToken(
                    pb.auth.ValidateTokenRequest(token=new), timeout=10
                ),
                grpc.StatusCode.UNAUTHENTICATED,
                "key_not_found",
            )
            # A token of the cached key, never seen before: a real signature
            # check with the cached set.
            principal = auth.ValidateToken(
                pb.auth.ValidateTokenRequest(token=old_b)
            ).principal
            assert principal.client_id == oidc.info["clients"]["m2m"]["id"]
            meta = metadata(auth, pb)
            assert meta.keys_loaded and kid_of(new) not in meta.key_ids
            assert says in meta.last_key_error, meta.last_key_error
            assert health_status(channel, pb) == serving(pb)
            during = scrape(srv)
            assert metric(during, "authgate_provider_ready", provider="oidc") == 1
            assert (
                metric(during, "authgate_jwks_fetch_failures_total", provider="oidc")
                - metric(before, "authgate_jwks_fetch_failures_total", provider="oidc")
                >= 1
            )

            proxy.heal()
            # The background loop retries after each cooldown: the new key
            # arrives and the error clears with no call needed.
            wait_until(
                lambda: (m := metadata(auth, pb)).last_key_error == ""
                and kid_of(new) in m.key_ids,
                10,
                "new key loaded and last_key_error cleared",
            )
            auth.ValidateToken(pb.auth.ValidateTokenRequest(token=new))
            after = scrape(srv)
            failures = metric(
                after, "authgate_jwks_fetch_failures_total", provider="oidc"
            ) - metric(before, "authgate_jwks_fetch_failures_total", provider="oidc")
            fetches = metric(
                after, "authgate_jwks_fetches_total", provider="oidc"
            ) - metric(before, "authgate_jwks_fetches_total", provider="oidc")
            faulted = proxy.faulted(JWKS) - faulted_before
            answered = proxy.count(JWKS) - seen_before - faulted
            # Every attempt is accounted for: a refused connection never
            # reaches the proxy, every other failure is one faulted request.
            assert failures >= 1
            assert fetches == failures + answered
            assert faulted == (0 if mode == "refuse" else failures)
            if mode == "delay":
                # The server hung up at fetch_timeout, before the delay ended.
                assert proxy.abandoned >= 1
            if mode == "oversized":
                # Refused at the declared length: far less than 50 MB moved.
                assert max(proxy.oversized_bytes_sent) < 16 << 20
            assert health_status(channel, pb) == serving(pb)
    finally:
        assert srv.stop() == 0


# --- 1b. the same faults before any key set: typed status, health, recovery --


@pytest.mark.parametrize("mode", [m for m in JWKS_FAULTS if m != "refuse"])
def test_jwks_fault_at_start_is_unavailable_until_healed(
    mode, oidc, jwks_proxy, tmp_path, pb
):
    params, reason, says = JWKS_FAULTS[mode]
    proxy = jwks_proxy
    proxy.set_fault(mode, match=JWKS, **params)
    srv = m2m_server(oidc, proxy, tmp_path)
    try:
        with srv.channel() as channel:
            auth = pb.auth_grpc.AuthServiceStub(channel)
            failed = srv.wait_event("jwks_fetch_failed")
            assert failed["provider"] == "oidc" and failed["reason"] == reason
            assert says in failed["message"], failed["message"]
            assert health_status(channel, pb) == serving(pb, "NOT_SERVING")
            token = m2m_token(oidc)
            error = expect_error(
                lambda: auth.ValidateToken(
                    pb.auth.ValidateTokenRequest(token=token), timeout=10
                ),
                grpc.StatusCode.UNAVAILABLE,
                "provider_unavailable",
            )
            assert says in error.details(), error.details()
            samples = scrape(srv)
            assert metric(samples, "authgate_provider_ready", provider="oidc") == 0
            assert metric(
                samples, "authgate_jwks_fetch_failures_total", provider="oidc"
            ) >= 1
            assert (
                metric(
                    samples,
                    "authgate_token_validations_total",
                    rpc="ValidateToken",
                    result="error",
                    reason="provider_unavailable",
                )
                == 1
            )

            proxy.heal()
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING", timeout=10)
            auth.ValidateToken(pb.auth.ValidateTokenRequest(token=token))
            assert metric(scrape(srv), "authgate_provider_ready", provider="oidc") == 1
            # last_key_error: see the next test.
    finally:
        assert srv.stop() == 0


# The keys can arrive outside the registry's own set-up retry (the cache's
# background retry, or a token's unknown-kid refetch); the error that retry
# recorded must clear then too. A long set-up back-off makes the other path
# win every time.
def test_last_key_error_clears_when_keys_arrive_by_another_path(
    oidc, jwks_proxy, tmp_path, pb
):
    proxy = jwks_proxy
    proxy.set_fault("invalid_json", match=JWKS)
    srv = m2m_server(
        oidc,
        proxy,
        tmp_path,
        server={"provider_retry_initial": "30s", "provider_retry_max": "30s"},
    )
    try:
        with srv.channel() as channel:
            auth = pb.auth_grpc.AuthServiceStub(channel)
            srv.wait_event("jwks_fetch_failed")
            proxy.heal()
            wait_cooldown(proxy)
            token = m2m_token(oidc)
            auth.ValidateToken(pb.auth.ValidateTokenRequest(token=token), timeout=10)
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING", timeout=5)
            assert metadata(auth, pb).keys_loaded
            assert metadata(auth, pb).last_key_error == ""
    finally:
        assert srv.stop() == 0


# --- 1c. OAuth token-endpoint faults -----------------------------------------


def test_token_endpoint_faults_are_typed_and_counted(oidc, tmp_path, pb):
    with FaultProxy(oidc.endpoint) as proxy:
        token_via_proxy = proxy.url + oidc.issuer[len(oidc.endpoint) :] + TOKEN
        config = {
            "providers": [
                oidc_provider_config(
                    oidc, endpoints={"token_endpoint": token_via_proxy}
                )
            ]
        }
        srv = Server(config=config, tmp=tmp_path).started()
        try:
            with srv.channel() as channel:
                wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
                auth = pb.auth_grpc.AuthServiceStub(channel)
                built, code = sign_in(auth, pb, oidc, username="faults-1")
                tokens = auth.ExchangeCode(
                    pb.auth.ExchangeCodeRequest(
                        code=code, code_verifier=built.code_verifier
                    )
                ).tokens
                refresh = pb.auth.RefreshTokenRequest(
                    refresh_token=tokens.refresh_token
                )
                # A second sign-in whose code the faults below must not spend.
                built2, code2 = sign_in(auth, pb, oidc, username="faults-2")
                exchange2 = pb.auth.ExchangeCodeRequest(
                    code=code2, code_verifier=built2.code_verifier
                )

                def refresh_fails(code, reason):
                    expect_error(
                        lambda: auth.RefreshToken(refresh, timeout=10), code, reason
                    )

                unavailable = grpc.StatusCode.UNAVAILABLE
                proxy.set_fault("oversized", match=TOKEN, size=100 << 20)
                refresh_fails(unavailable, "provider_response_too_large")
                expect_error(
                    lambda: auth.ExchangeCode(exchange2, timeout=10),
                    unavailable,
                    "provider_response_too_large",
                )
                # Streamed, close-delimited: the server stopped reading at
                # its 256 KiB bound, so only socket buffers' worth moved.
                wait_until(
                    lambda: len(proxy.oversized_bytes_sent) == 2, 5, "streams ended"
                )
                assert max(proxy.oversized_bytes_sent) < 16 << 20
                proxy.set_fault("invalid_json", match=TOKEN)
                refresh_fails(unavailable, "provider_response_invalid")
                proxy.set_fault("truncate", match=TOKEN)
                refresh_fails(unavailable, "provider_response_invalid")
                proxy.set_fault("kill", match=TOKEN)
                refresh_fails(unavailable, "provider_unavailable")
                proxy.set_fault("refuse", match=TOKEN)
                refresh_fails(unavailable, "provider_unavailable")
                proxy.heal()
                proxy.set_fault("delay", match=TOKEN, seconds=3)
                expect_error(
                    lambda: auth.ExchangeCode(exchange2, timeout=0.5),
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                )
                call = wait_until(
                    lambda: [
                        e
                        for e in srv.events
                        if e.get("event") == "oauth_call"
                        and e.get("code") == "DEADLINE_EXCEEDED"
                    ],
                    5,
                    "oauth_call DEADLINE_EXCEEDED",
                )[0]
                assert call["call"] == "exchange_code"
                assert call["reason"] == "provider_timeout"
                # The server hung up at the caller's deadline; the code never
                # reached the provider.
                wait_until(lambda: proxy.abandoned == 1, 5, "delayed call abandoned")
                # Verification is untouched meanwhile.
                auth.ValidateToken(pb.auth.ValidateTokenRequest(token=tokens.id_token))
                assert health_status(channel, pb) == serving(pb)

                proxy.heal()
                assert auth.RefreshToken(refresh).tokens.access_token
                again = auth.ExchangeCode(exchange2)
                assert again.id_token_principal.username == "faults-2"
            samples = scrape(srv)
            calls = {
                (dict(labels)["call"], dict(labels)["result"]): value
                for (name, labels), value in samples.items()
                if name == "authgate_oauth_calls_total"
                and dict(labels).get("provider") == "oidc"
            }
            assert calls == {
                ("exchange_code", "ok"): 2,
                ("exchange_code", "provider_response_too_large"): 1,
                ("exchange_code", "provider_timeout"): 1,
                ("refresh", "provider_response_too_large"): 1,
                ("refresh", "provider_response_invalid"): 2,
                ("refresh", "provider_unavailable"): 2,
                ("refresh", "ok"): 1,
            }
        finally:
            assert srv.stop() == 0


# --- 2. TLS to the provider ----------------------------------------------------


def throwaway_pki(directory):
    """Two unrelated CAs and a certificate for 127.0.0.1 signed by the first
    (EC P-256: fast to make)."""

    def openssl(*args):
        subprocess.run(
            ["openssl", *args], cwd=directory, check=True, capture_output=True
        )

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", *ec, "-days", "1", "-subj", f"/CN={ca}",
                "-keyout", f"{ca}.key", "-out", f"{ca}.pem")
    openssl("req", *ec, "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
            "-out", "server.csr")
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey",
            "ca.key", "-CAcreateserial", "-days", "1", "-extfile", "san.ext",
            "-out", "server.pem")


def test_provider_tls_needs_the_configured_ca(oidc, tmp_path, pb):
    throwaway_pki(tmp_path)
    tls = (str(tmp_path / "server.pem"), str(tmp_path / "server.key"))
    with FaultProxy(oidc.endpoint, tls=tls) as proxy:
        assert proxy.url.startswith("https://")
        token = m2m_token(oidc)
        for bundle in ("other-ca", "ca"):
            srv = m2m_server(
                oidc,
                proxy,
                tmp_path,
                server={"provider_ca_file": str(tmp_path / f"{bundle}.pem")},
            )
            try:
                with srv.channel() as channel:
                    auth = pb.auth_grpc.AuthServiceStub(channel)
                    if bundle == "other-ca":
                        failed = srv.wait_event("jwks_fetch_failed")
                        assert failed["reason"] == "provider_unavailable"
                        assert "SSL" in failed["message"] or "certificate" in (
                            failed["message"]
                        ), failed["message"]
                        expect_error(
                            lambda: auth.ValidateToken(
                                pb.auth.ValidateTokenRequest(token=token)
                            ),
                            grpc.StatusCode.UNAVAILABLE,
                            "provider_unavailable",
                        )
                        assert health_status(channel, pb) == serving(pb, "NOT_SERVING")
                        # Refused in the handshake: no request was sent.
                        assert proxy.count(JWKS) == 0 and proxy.tls_failures >= 1
                    else:
                        wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
                        auth.ValidateToken(pb.auth.ValidateTokenRequest(token=token))
                        assert proxy.count(JWKS) >= 1
            finally:
                assert srv.stop() == 0


# --- 3. DNS failure -------------------------------------------------------------

NOWHERE = "https://idp.authgate.invalid"  # RFC 2606: never resolves


def test_unresolvable_provider_is_unavailable_and_server_stays_live(
    oidc, tmp_path, pb
):
    config = {
        "server": FAST_RETRY,
        "providers": [
            m2m_provider_config(oidc),
            {
                "name": "nowhere",
                "kind": "oidc",
                "issuer": NOWHERE,
                "client_id": "nowhere-client",
                "use_discovery": False,
                "endpoints": {
                    "jwks_uri": NOWHERE + JWKS,
                    "token_endpoint": NOWHERE + TOKEN,
                },
                "jwks": JWKS_OPTIONS,
            },
        ],
    }
    srv = Server(config=config, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            auth = pb.auth_grpc.AuthServiceStub(channel)
            failed = srv.wait_event("jwks_fetch_failed")
            assert failed["provider"] == "nowhere"
            assert "resolve host" in failed["message"], failed["message"]
            expect_error(
                lambda: auth.ValidateToken(
                    pb.auth.ValidateTokenRequest(token=forged(NOWHERE, "k1"))
                ),
                grpc.StatusCode.UNAVAILABLE,
                "provider_unavailable",
            )
            expect_error(
                lambda: auth.RefreshToken(
                    pb.auth.RefreshTokenRequest(provider="nowhere", refresh_token="r")
                ),
                grpc.StatusCode.UNAVAILABLE,
                "provider_unavailable",
            )
            # The resolvable provider serves meanwhile.
            wait_until(lambda: metadata(auth, pb).keys_loaded, 10, "oidc keys")
            auth.ValidateToken(pb.auth.ValidateTokenRequest(token=m2m_token(oidc)))
            # Retried with back-off, never fatal: alive and answering health.
            wait_until(
                lambda: sum(
                    e.get("event") == "jwks_fetch_failed" for e in srv.events
                ) >= 3,
                10,
                "three failed attempts",
            )
            assert srv.proc.poll() is None
            assert health_status(channel, pb) == serving(pb, "NOT_SERVING")
            meta = metadata(auth, pb, "nowhere")
            assert not meta.keys_loaded and "resolve host" in meta.last_key_error
            samples = scrape(srv)
            assert metric(samples, "authgate_provider_ready", provider="nowhere") == 0
    finally:
        assert srv.stop() == 0


# --- 4. random-kid burst --------------------------------------------------------


def test_random_kid_burst_costs_one_fetch_per_cooldown(
    oidc, jwks_proxy, tmp_path, pb
):
    calls, threads, channels = 10_000, 32, 4
    proxy = jwks_proxy
    srv = m2m_server(oidc, proxy, tmp_path, refetch_cooldown="2s")
    cooldown = 2.0
    try:
        opened = [srv.channel() for _ in range(channels)]
        wait_health(pb.health_grpc.HealthStub(opened[0]), pb, "SERVING")
        stubs = [pb.auth_grpc.AuthServiceStub(c) for c in opened]
        tokens = [forged(oidc.issuer, secrets.token_hex(8)) for _ in range(calls)]
        outcomes = collections.Counter()
        lock = threading.Lock()

        def caller(index):
            stub, mine = stubs[index % channels], tokens[index::threads]
            seen = collections.Counter()
            for token in mine:
                try:
                    stub.ValidateToken(pb.auth.ValidateTokenRequest(token=token))
                    seen["ok"] += 1
                except grpc.RpcError as e:
                    reason = dict(e.trailing_metadata() or ()).get(
                        "authgate-error-reason"
                    )
                    seen[(e.code(), reason)] += 1
            with lock:
                outcomes.update(seen)

        # Past the cooldown since the warm-up, so the burst may fetch at once.
        remaining = proxy.last_at(JWKS) + cooldown + 0.1 - time.monotonic()
        time.sleep(max(0.0, remaining))
        before = proxy.count(JWKS)
        refetches_before = metric(
            scrape(srv), "authgate_jwks_unknown_kid_refetches_total", provider="oidc"
        )
        started = time.monotonic()
        workers = [threading.Thread(target=caller, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - started
        fetched = proxy.count(JWKS) - before
        print(
            f"\n{calls} random kids from {threads} callers on {channels} channels "
            f"in {elapsed:.2f} s: {fetched} JWKS fetch(es), cooldown {cooldown:.0f} s"
        )
        assert outcomes == {(grpc.StatusCode.UNAUTHENTICATED, "key_not_found"): calls}
        assert 1 <= fetched <= 1 + int(elapsed // cooldown)
        samples = scrape(srv)
        assert (
            metric(
                samples, "authgate_jwks_unknown_kid_refetches_total", provider="oidc"
            )
            - refetches_before
            == fetched
        )
        assert (
            metric(
                samples,
                "authgate_token_validations_total",
                rpc="ValidateToken",
                result="invalid",
                reason="key_not_found",
            )
            == calls
        )
        for c in opened:
            c.close()
    finally:
        assert srv.stop() == 0


# --- 5. SIGTERM under load, SIGKILL and restart ---------------------------------


def test_sigterm_under_load_drains_then_sigkill_restart_reaches_serving(
    oidc, jwks_proxy, tmp_path, pb
):
    proxy = jwks_proxy
    grace_s = 5
    srv = m2m_server(
        oidc, proxy, tmp_path, server={"shutdown_grace": f"{grace_s}s"},
        fetch_timeout="5s",
    )
    with srv.channel() as channel:
        wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
        auth = pb.auth_grpc.AuthServiceStub(channel)
        cached = m2m_token(oidc)
        auth.ValidateToken(pb.auth.ValidateTokenRequest(token=cached))
        providers.rotate_keys(oidc)
        fresh = [m2m_token(oidc) for _ in range(4)]
        wait_cooldown(proxy)
        stop = threading.Event()
        results = []  # (finished_at, code)
        lock = threading.Lock()

        def load():
            while not stop.is_set():
                try:
                    auth.ValidateToken(
                        pb.auth.ValidateTokenRequest(token=cached), timeout=10
                    )
                    code = grpc.StatusCode.OK
                except grpc.RpcError as e:
                    code = e.code()
                with lock:
                    results.append((time.monotonic(), code))
                if code != grpc.StatusCode.OK:
                    return

        loaders = [threading.Thread(target=load) for _ in range(8)]
        for t in loaders:
            t.start()
        wait_until(lambda: len(results) >= 100, 10, "load running")
        # The new kid's fetch is held 1.5 s at the proxy: these calls are
        # inside the server, on workers, when SIGTERM arrives.
        proxy.set_fault("delay", match=JWKS, seconds=1.5)
        seen = proxy.count(JWKS)
        missed = metric(scrape(srv), "authgate_verified_token_cache_misses_total")
        held = [
            auth.ValidateToken.future(pb.auth.ValidateTokenRequest(token=t), timeout=20)
            for t in fresh
        ]
        wait_until(lambda: proxy.count(JWKS) > seen, 5, "key fetch in flight")
        # Every held call must be inside the server (each fresh token missed
        # the cache once) before SIGTERM: gRPC cancels a call it has received
        # but not yet started when shutdown begins, which is not what this
        # test measures.
        wait_until(
            lambda: metric(scrape(srv), "authgate_verified_token_cache_misses_total")
            >= missed + len(fresh),
            5,
            "held calls received",
        )
        sent = time.monotonic()
        srv.kill_with(signal.SIGTERM)
        for future in held:
            principal = future.result().principal
            assert principal.client_id == oidc.info["clients"]["m2m"]["id"]
        assert srv.proc.wait(timeout=grace_s + 2) == 0
        stop.set()
        for t in loaders:
            t.join()
    done = srv.wait_event("shutdown_complete", timeout=5)
    assert done["drain_ms"] < grace_s * 1000
    assert srv.stop() == 0
    before = [code for at, code in results if at < sent]
    assert before and set(before) == {grpc.StatusCode.OK}
    # A call that reaches the server after SIGTERM is refused: UNAVAILABLE
    # (connection gone), or CANCELLED when its stream arrives on the open
    # connection after Shutdown began (gRPC 1.51's answer); nothing else.
    assert {code for _, code in results} <= {
        grpc.StatusCode.OK,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.CANCELLED,
    }
    proxy.heal()

    victim = m2m_server(oidc, proxy, tmp_path)
    with victim.channel() as channel:
        wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
    victim.kill_with(signal.SIGKILL)
    assert victim.proc.wait(timeout=5) == -signal.SIGKILL
    victim.stop()

    started = time.monotonic()
    again = m2m_server(oidc, proxy, tmp_path)
    try:
        with again.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING", timeout=30)
            to_serving = time.monotonic() - started
            print(f"\nrestart after SIGKILL: SERVING in {to_serving * 1000:.0f} ms")
            auth = pb.auth_grpc.AuthServiceStub(channel)
            auth.ValidateToken(pb.auth.ValidateTokenRequest(token=fresh[0]))
    finally:
        assert again.stop() == 0
