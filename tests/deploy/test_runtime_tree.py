"""deploy/runtime_tree.sh builds the file tree of the slim container; the
server runs from it alone. No container engine runs here, so chroot into the
tree (as the non-root uid 65532, with an empty environment) stands in for the
image: what the tree lacks, the server lacks."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess

import pytest

from deploy_support import (
    REPO,
    Process,
    build_runtime_tree,
    chroot_argv,
    cli_binary,
    project_version,
    server_binary,
    static_config,
    static_keys,
    stubs,
    validate,
    wait_ready,
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chroot needs root")

EXTRAS = {
    "bin",
    "lib",
    "lib64",
    "usr/bin/authgate-server",
    "usr/bin/authgate",
    "etc/ssl/certs/ca-certificates.crt",
    "etc/passwd",
    "etc/group",
}


def ldd_paths(binary: str) -> set[str]:
    """The tree paths of what ldd names, seen through the merged-/usr links
    (the vDSO has no file)."""
    out = subprocess.run(["ldd", binary], check=True, capture_output=True, text=True)
    paths = set()
    for line in out.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1] == "=>":
            path = fields[2]
        elif fields and fields[0].startswith("/"):
            path = fields[0]
        else:
            assert fields[0].startswith("linux-vdso"), line
            continue
        real_dir = os.path.realpath(os.path.dirname(path))
        paths.add(os.path.join(real_dir, os.path.basename(path)).lstrip("/"))
    return paths


def tree_entries(root: pathlib.Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_symlink() or p.is_file()
    }


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("rt") / "tree"
    return root, build_runtime_tree(root)


def test_tree_holds_exactly_the_binaries_their_libraries_and_the_extras(tree):
    root, printed = tree
    expected = EXTRAS | ldd_paths(server_binary()) | ldd_paths(cli_binary())
    assert tree_entries(root) == expected
    assert printed == expected
    assert "usr/lib64/ld-linux-x86-64.so.2" in expected
    assert not any("vdso" in p for p in expected)
    for link, target in (("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64")):
        assert os.readlink(root / link) == target
    assert (root / "etc/passwd").read_text() == (
        "authgate:x:65532:65532:authgate:/nonexistent:/usr/sbin/nologin\n"
    )


def test_both_binaries_print_their_version_from_the_tree(tree):
    root, _ = tree
    version = project_version()
    for name in ("authgate-server", "authgate"):
        out = subprocess.run(
            chroot_argv(root, f"/usr/bin/{name}", "--version"),
            env={},
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert out.returncode == 0, out.stderr
        first = out.stdout.split()
        assert first == [name, version]


def test_server_in_the_tree_becomes_ready_and_validates_a_token(tree, tmp_path):
    root, _ = tree
    jwks, token = static_keys()
    config_dir = root / "etc" / "authgate"
    config_dir.mkdir(exist_ok=True)
    (config_dir / "jwks.json").write_text(json.dumps(jwks))
    (config_dir / "authgate.json").write_text(
        json.dumps(static_config("/etc/authgate/jwks.json"))
    )
    try:
        # The environment is empty: only the configuration file speaks.
        server = Process(
            chroot_argv(root, "/usr/bin/authgate-server", "--config=/etc/authgate/authgate.json"),
            env={},
        )
        try:
            server.started()
            body = wait_ready(server.metrics_port)
            assert body == {"status": "ready", "providers": {"static": True}}
            principal = validate(stubs(tmp_path / "stubs"), f"127.0.0.1:{server.port}", token)
            assert principal.provider == "static"
            assert principal.subject == "deploy-user"
        finally:
            assert server.stop() == 0
    finally:
        for name in ("jwks.json", "authgate.json"):
            (config_dir / name).unlink()
        config_dir.rmdir()


def test_containerfile_builds_with_setups_packages_and_runs_the_tree_as_65532():
    """No engine runs here: check the recipe says what the tree test runs."""
    text = (REPO / "deploy" / "Containerfile").read_text()
    lines = [l.strip() for l in text.replace("\\\n", " ").splitlines() if l.strip() and not l.startswith("#")]
    assert [l for l in lines if l.startswith("FROM ")] == [
        "FROM debian:bookworm AS build",
        "FROM debian:bookworm-slim",
    ]
    (install,) = [l for l in lines if "apt-get install" in l]
    wanted = set(install.split("--no-install-recommends", 1)[1].split("&&", 1)[0].split())
    setup = (REPO / "scripts" / "setup").read_text()
    listed = set(re.sub(r"#[^\n]*", "", setup.split("packages=(", 1)[1].split(")", 1)[0]).split())
    # ca-certificates: the bundle the tree copies (the slim image has none).
    assert wanted - listed == {"ca-certificates"}
    assert any("deploy/runtime_tree.sh /runtime" in l for l in lines)
    assert "USER 65532:65532" in lines
    assert 'ENTRYPOINT ["/usr/bin/authgate-server"]' in lines
    assert "EXPOSE 50051 9464" in lines
