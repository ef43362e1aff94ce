"""What the gRPC port refuses: oversized header blocks (the HPACK denial of
service against Debian's gRPC 1.51), oversized messages, and bounds of the
limits' own settings."""

import json
import os
import signal
import socket
import threading
import time

import grpc
import hpack
import pytest
from hyperframe.frame import (
    ContinuationFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
    SettingsFrame,
)

from conftest import Server
from test_server import ISSUER, rsa_jwks_and_token, run_server_expecting_error
from test_validate_token import expect_error

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
ENHANCE_YOUR_CALM = 0xB
CLK_TCK = os.sysconf("SC_CLK_TCK")


def offline_server(tmp_path, **server):
    jwks, token = rsa_jwks_and_token(ISSUER, "offline-client")
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    config = {
        "server": {"shutdown_grace": "1s", **server},
        "providers": [
            {
                "name": "offline",
                "issuer": ISSUER,
                "client_id": "offline-client",
                "jwks_file": str(tmp_path / "jwks.json"),
            }
        ],
    }
    return Server(config=config, tmp=tmp_path).started(), token


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def hpack_length(n: int) -> bytes:
    """An HPACK integer with a 7-bit prefix (RFC 7541 §5.1), H bit clear."""
    if n < 127:
        return bytes([n])
    out, n = [127], n - 127
    while n >= 128:
        out.append(n % 128 + 128)
        n //= 128
    return bytes(out + [n])


class HugeHeaderAttack:
    """A raw HTTP/2 client that opens a ValidateToken stream whose header
    block carries one `size`-byte value, sent in 16 KiB CONTINUATION
    frames, and records the frames the server sends back."""

    def __init__(self, port: int, size: int):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.settimeout(30)
        self.size = size
        self.frames = []
        self.closed = threading.Event()
        self.send_error = None

    def run(self) -> None:
        reader = threading.Thread(target=self._read, daemon=True)
        reader.start()
        block = hpack.Encoder().encode(
            [
                (":method", "POST"),
                (":scheme", "http"),
                (":path", "/authgate.v1.AuthService/ValidateToken"),
                (":authority", "authgate"),
                ("content-type", "application/grpc"),
                ("te", "trailers"),
            ],
            huffman=False,
        )
        # A literal header field, new name, not indexed (RFC 7541 §6.2.2).
        block += b"\x00" + hpack_length(5) + b"x-big" + hpack_length(self.size)
        chunk = b"a" * 16384
        try:
            self.sock.sendall(PREFACE + SettingsFrame(0).serialize())
            self.sock.sendall(HeadersFrame(1, data=block).serialize())
            sent = 0
            while sent < self.size and not self.closed.is_set():
                frame = ContinuationFrame(1, data=chunk[: self.size - sent])
                sent += len(frame.data)
                if sent == self.size:
                    frame.flags.add("END_HEADERS")
                self.sock.sendall(frame.serialize())
        except OSError as e:
            self.send_error = e

    def _read(self) -> None:
        buffer = b""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                buffer += data
                while len(buffer) >= 9:
                    frame, length = Frame.parse_frame_header(memoryview(buffer[:9]))
                    if len(buffer) < 9 + length:
                        break
                    frame.parse_body(memoryview(buffer[9 : 9 + length]))
                    buffer = buffer[9 + length :]
                    self.frames.append(frame)
        except OSError:
            pass
        self.closed.set()

    def goaway(self):
        return next((f for f in self.frames if isinstance(f, GoAwayFrame)), None)


# Verifies the HPACK denial of service is refused at the first frames: a
# 100 MiB header value ends in GOAWAY ENHANCE_YOUR_CALM and a closed
# connection, an ordinary call on another connection succeeds meanwhile,
# the server burns no CPU once the attack is over, and SIGTERM still drains
# within the grace.
def test_huge_header_block_is_refused_without_cost(tmp_path, pb):
    srv, token = offline_server(tmp_path)
    attack = None
    try:
        attack = HugeHeaderAttack(srv.port, 100 * 1024 * 1024)
        sender = threading.Thread(target=attack.run, daemon=True)
        sender.start()
        with srv.channel() as channel:
            auth = pb.auth_grpc.AuthServiceStub(channel)
            principal = auth.ValidateToken(
                pb.auth.ValidateTokenRequest(token=token), timeout=5
            ).principal
            assert principal.subject == "user-1"
            assert attack.closed.wait(20), "the server kept reading the header block"
            sender.join(20)
            goaway = attack.goaway()
            assert goaway is not None, attack.frames
            assert goaway.error_code == ENHANCE_YOUR_CALM
            assert goaway.additional_data.startswith(b"header block exceeds")
            # The attack is over: the server must be idle now.
            before = cpu_seconds(srv.proc.pid)
            time.sleep(2)
            assert cpu_seconds(srv.proc.pid) - before < 0.2
            assert auth.ValidateToken(
                pb.auth.ValidateTokenRequest(token=token), timeout=5
            ).principal.subject == "user-1"
        started = time.monotonic()
        srv.kill_with(signal.SIGTERM)
        assert srv.proc.wait(timeout=10) == 0
        # grace (1 s) plus a small bound: nothing is left to drain.
        assert time.monotonic() - started < 3
    finally:
        if attack is not None:
            attack.sock.close()
        srv.stop()


def test_oversized_message_is_resource_exhausted(tmp_path, pb):
    srv, _ = offline_server(tmp_path, max_message_bytes=64 * 1024)
    try:
        with srv.channel() as channel:
            auth = pb.auth_grpc.AuthServiceStub(channel)
            error = expect_error(
                lambda: auth.ValidateToken(
                    pb.auth.ValidateTokenRequest(token="x" * (2 * 1024 * 1024)),
                    timeout=5,
                ),
                grpc.StatusCode.RESOURCE_EXHAUSTED,
            )
            assert "larger than max" in error.details()
            assert "65536" in error.details()
    finally:
        assert srv.stop() == 0


# The default bound too: 2 MiB is over the 1 MiB default (gRPC's own default
# would have let 4 MiB through to the verifier).
def test_default_message_bound_is_one_mebibyte(tmp_path, pb):
    srv, _ = offline_server(tmp_path)
    try:
        with srv.channel() as channel:
            error = expect_error(
                lambda: pb.auth_grpc.AuthServiceStub(channel).ValidateToken(
                    pb.auth.ValidateTokenRequest(token="x" * (2 * 1024 * 1024)),
                    timeout=5,
                ),
                grpc.StatusCode.RESOURCE_EXHAUSTED,
            )
            assert "1048576" in error.details()
    finally:
        assert srv.stop() == 0


# Metadata under the bound passes the guard and gRPC alike.
def test_metadata_under_the_bound_is_served(tmp_path, pb):
    srv, token = offline_server(tmp_path)
    try:
        with srv.channel() as channel:
            response = pb.auth_grpc.AuthServiceStub(channel).ValidateToken(
                pb.auth.ValidateTokenRequest(token=token),
                metadata=[("x-padding", "p" * 8000)],
                timeout=5,
            )
            assert response.principal.subject == "user-1"
    finally:
        assert srv.stop() == 0


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("max_metadata_bytes", 100, "max_metadata_bytes: must be between 1024 and 1048576"),
        (
            "max_message_bytes",
            1 << 30,
            "max_message_bytes: must be between 1024 and 67108864",
        ),
    ],
)
def test_limit_settings_are_bounded(tmp_path, key, value, message):
    config = {"server": {key: value}, "providers": []}
    code, stderr = run_server_expecting_error(
        config_text=json.dumps(config), tmp=tmp_path
    )
    assert code == 2 and message in stderr
