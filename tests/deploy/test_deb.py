"""The authgate .deb built by CPack (deploy/build_deb.sh): its control data
and contents, the systemd unit verified, and the server started from the
package's files extracted into a scratch root.

The package is built in $AUTHGATE_DEB_BUILD_DIR (default build-deploy/)."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from deploy_support import (
    REPO,
    Process,
    project_version,
    static_config,
    static_keys,
    stubs,
    validate,
    wait_ready,
)

UNIT = "usr/lib/systemd/system/authgate.service"


@pytest.fixture(scope="module")
def deb():
    build_dir = os.environ.get("AUTHGATE_DEB_BUILD_DIR", str(REPO / "build-deploy"))
    out = subprocess.run(
        [str(REPO / "deploy" / "build_deb.sh"), build_dir],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    (path,) = out.stdout.split()
    assert pathlib.Path(path).name == f"authgate_{project_version()}_amd64.deb"
    return path


def dpkg_deb(*args: str) -> str:
    return subprocess.run(["dpkg-deb", *args], check=True, capture_output=True, text=True).stdout


def control_fields(deb: str) -> dict[str, str]:
    fields = {}
    for name in ("Package", "Version", "Architecture", "Maintainer", "Depends", "Section"):
        fields[name] = dpkg_deb("-f", deb, name).strip()
    return fields


def test_control_names_the_package_version_and_runtime_dependencies(deb):
    fields = control_fields(deb)
    assert fields["Package"] == "authgate"
    assert fields["Version"] == project_version()
    assert fields["Architecture"] == "amd64"
    assert fields["Maintainer"]
    depends = {d.strip().split(" ")[0] for d in fields["Depends"].split(",")}
    # dpkg-shlibdeps named the libraries' packages, plus the listed extras.
    assert {"libc6", "libstdc++6", "libcurl4", "libssl3", "libgrpc++1.51", "libprotobuf32"} <= depends
    assert {"passwd", "ca-certificates"} <= depends
    info = dpkg_deb("-I", deb)
    assert re.search(r"^ +\d+ bytes, +\d+ lines +\* +postinst ", info, re.M), info
    assert re.search(r"^ +\d+ bytes, +\d+ lines +conffiles", info, re.M), info


def test_contents_are_the_binaries_unit_config_and_docs(deb):
    listing = dpkg_deb("-c", deb)
    files = {line.split()[-1].lstrip(".") for line in listing.splitlines() if not line.startswith("d")}
    assert files == {
        "/usr/bin/authgate-server",
        "/usr/bin/authgate",
        "/" + UNIT,
        "/etc/authgate/authgate.json",
        "/usr/share/doc/authgate/README.md",
        "/usr/share/doc/authgate/deploy.md",
        "/usr/share/doc/authgate/authgate.jsonc",
        "/usr/share/doc/authgate/LICENSE",
    }
    modes = {line.split()[-1].lstrip("."): line.split()[0] for line in listing.splitlines()}
    assert modes["/usr/bin/authgate-server"] == "-rwxr-xr-x"
    assert modes["/etc/authgate/authgate.json"] == "-rw-r--r--"


def test_maintainer_scripts_create_the_system_user_and_keep_the_config(deb, tmp_path):
    control = tmp_path / "control"
    subprocess.run(["dpkg-deb", "-e", deb, str(control)], check=True)
    assert (control / "conffiles").read_text() == "/etc/authgate/authgate.json\n"
    postinst = control / "postinst"
    assert os.access(postinst, os.X_OK)
    text = postinst.read_text()
    assert "useradd --system --user-group" in text and " authgate\n" in text
    assert subprocess.run(["sh", "-n", str(postinst)]).returncode == 0


@pytest.fixture(scope="module")
def root(deb, tmp_path_factory):
    root = tmp_path_factory.mktemp("deb") / "root"
    subprocess.run(["dpkg", "-x", deb, str(root)], check=True)
    return root


def test_unit_passes_systemd_analyze_and_outlasts_the_drain(root, tmp_path):
    unit_text = (root / UNIT).read_text()
    assert "ExecStart=/usr/bin/authgate-server --config /etc/authgate/authgate.json\n" in unit_text
    for line in (
        "User=authgate",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "EnvironmentFile=-/etc/default/authgate",
        "Restart=on-failure",
    ):
        assert line + "\n" in unit_text
    grace = json.loads(
        "\n".join(
            l for l in (root / "etc/authgate/authgate.json").read_text().splitlines()
            if not l.strip().startswith("//")
        )
    )["server"]["shutdown_grace"]
    stop = re.search(r"^TimeoutStopSec=(\d+)s$", unit_text, re.M)
    assert stop and int(stop.group(1)) > int(grace.rstrip("s")) + 1
    if not shutil.which("systemd-analyze"):
        pytest.skip("no systemd-analyze")
    # verify checks ExecStart's binary exists: point it at the extracted one.
    unit = tmp_path / "authgate.service"
    unit.write_text(unit_text.replace("/usr/bin/authgate-server", str(root / "usr/bin/authgate-server")))
    out = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    # Unknown or misspelt directives are only warnings: none may appear.
    assert (out.returncode, out.stderr) == (0, "")


def test_packaged_config_passes_check_config(root):
    out = subprocess.run(
        [str(root / "usr/bin/authgate-server"), "--config", str(root / "etc/authgate/authgate.json"), "--check_config"],
        env={},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr


def test_installed_server_starts_and_becomes_ready(root, tmp_path):
    for name in ("authgate-server", "authgate"):
        out = subprocess.run([str(root / "usr/bin" / name), "--version"], env={}, capture_output=True, text=True)
        assert out.stdout.split() == [name, project_version()]
    jwks, token = static_keys()
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    config = tmp_path / "authgate.json"
    config.write_text(json.dumps(static_config(str(tmp_path / "jwks.json"))))
    server = Process([str(root / "usr/bin/authgate-server"), "--config", str(config)], env={})
    try:
        server.started()
        assert wait_ready(server.metrics_port) == {"status": "ready", "providers": {"static": True}}
        principal = validate(stubs(tmp_path / "stubs"), f"127.0.0.1:{server.port}", token)
        assert principal.subject == "deploy-user"
    finally:
        assert server.stop() == 0
