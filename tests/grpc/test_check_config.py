"""--check_config runs what start-up runs: what one refuses, the other
refuses with the same line, naming the field and the file."""

import pytest

from test_server import ISSUER, make_pki, run_server, run_server_expecting_error

ENV = {"COGNITO_ISSUER": ISSUER, "COGNITO_CLIENT_ID": "c"}


def tls_args(cert, key):
    return [f"--tls_cert={cert}", f"--tls_key={key}"]


def both_refuse(args) -> str:
    """The one error line of --check_config, after checking start-up prints
    the same one with the same exit code."""
    check = run_server(["--check_config", *args], ENV)
    code, start = run_server_expecting_error(args, ENV)
    assert check.returncode == 2, check.stdout
    assert code == 2
    line = check.stderr.strip().splitlines()[-1]
    assert line in start
    return line


def test_certificate_that_is_not_pem(tmp_path):
    make_pki(tmp_path)
    cert = tmp_path / "cert.der"
    cert.write_bytes(b"\x30\x82\x01\x0a not a PEM file")
    line = both_refuse(tls_args(cert, tmp_path / "server.key"))
    assert line.endswith(f'tls.cert_file: "{cert}" is not a PEM certificate chain')


def test_key_that_is_not_pem(tmp_path):
    make_pki(tmp_path)
    key = tmp_path / "key.txt"
    key.write_text("secret-ish text, not a key\n")
    line = both_refuse(tls_args(tmp_path / "server.pem", key))
    assert line.endswith(f'tls.key_file: "{key}" is not a PEM private key')
    assert "secret-ish" not in line


# PEM armour around garbage, and a key of another certificate: only gRPC's
# TLS stack can tell, so both paths try the credentials on a loopback port.
@pytest.mark.parametrize("case", ["garbage", "mismatch"])
def test_certificate_gRPC_cannot_use(tmp_path, case):
    make_pki(tmp_path)
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    if case == "garbage":
        cert = tmp_path / "garbage.pem"
        cert.write_text(
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
        )
    else:
        key = tmp_path / "client.key"
    line = both_refuse(tls_args(cert, key))
    assert f'tls.cert_file "{cert}", tls.key_file "{key}": gRPC cannot use them' in line


def test_valid_tls_passes_both(tmp_path):
    make_pki(tmp_path)
    done = run_server(
        ["--check_config", *tls_args(tmp_path / "server.pem", tmp_path / "server.key")],
        ENV,
    )
    assert done.returncode == 0, done.stderr
