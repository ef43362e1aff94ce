"""deploy/kubernetes and deploy/envoy, checked without a cluster: every
object against the Kubernetes schemas (kubernetes-models, strict about
unknown fields), the cross-references between objects, and the server run
with exactly the sidecar's and the shared service's arguments, config and
mounted paths (recreated in the runtime tree, entered by chroot), probed the
way their probes say."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

from deploy_support import (
    REPO,
    Process,
    build_runtime_tree,
    chroot_argv,
    http_get,
    static_keys,
    stubs,
    validate,
)

K8S = REPO / "deploy" / "kubernetes"
SCHEMA = REPO / "tests" / "deploy" / "k8s_schema"
VARIANTS = ["sidecar", "shared"]
AUTHGATE_CONTAINER = "authgate"


def manifests(variant: str) -> list[dict]:
    return [
        doc
        for path in sorted((K8S / variant).glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def run_validator(*files: pathlib.Path) -> tuple[int, list[dict]]:
    if not (SCHEMA / "node_modules").is_dir():
        pytest.fail("tests/deploy/k8s_schema: run scripts/setup (npm ci there)")
    out = subprocess.run(
        ["node", str(SCHEMA / "validate.mjs"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stderr == "", out.stderr
    return out.returncode, [json.loads(line) for line in out.stdout.splitlines()]


def test_every_manifest_passes_the_kubernetes_schemas():
    files = sorted(K8S.glob("*/*.yaml"))
    code, results = run_validator(*files)
    assert [r for r in results if r["error"]] == []
    assert code == 0
    kinds = sorted((pathlib.Path(r["file"]).parent.name, r["kind"]) for r in results)
    assert kinds == sorted(
        [("sidecar", k) for k in ("ConfigMap", "Secret", "Deployment")]
        + [
            ("shared", k)
            for k in (
                "ConfigMap",
                "Secret",
                "Deployment",
                "Service",
                "HorizontalPodAutoscaler",
                "PodDisruptionBudget",
            )
        ]
    )


# The validator must be able to fail: a typo deep in a pod spec, a wrong
# type, a missing required field.
@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda c: c["livenessProbe"]["grpc"].update(servic="liveness"),
            "Deployment.spec.template.spec.containers[0].livenessProbe.grpc.servic: unknown field",
        ),
        (lambda c: c["securityContext"].update(runAsNonRoot="yes"), "must be boolean"),
        (lambda c: c.pop("name"), "containers/0 must have required property name"),
    ],
)
def test_validator_rejects_a_broken_deployment(tmp_path, edit, message):
    docs = manifests("shared")
    deployment = by_kind(docs, "Deployment")["authgate"]
    edit(deployment["spec"]["template"]["spec"]["containers"][0])
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(deployment))
    code, results = run_validator(broken)
    assert code == 1
    assert len(results) == 1 and message in results[0]["error"]


def authgate_container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    (container,) = [c for c in containers if c["name"] == AUTHGATE_CONTAINER]
    return container


def port_number(container: dict, port) -> int:
    if isinstance(port, int):
        assert port in [p["containerPort"] for p in container["ports"]]
        return port
    (number,) = [p["containerPort"] for p in container["ports"] if p.get("name") == port]
    return number


def seconds(duration: str) -> int:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, duration
    return int(match.group(1))


@pytest.mark.parametrize("variant", VARIANTS)
def test_cross_references_hold(variant):
    docs = manifests(variant)
    (deployment,) = by_kind(docs, "Deployment").values()
    configmaps, secrets = by_kind(docs, "ConfigMap"), by_kind(docs, "Secret")
    pod = deployment["spec"]["template"]
    spec = pod["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    # Every mounted ConfigMap and Secret is defined; every mount has a volume.
    for volume in volumes.values():
        if "configMap" in volume:
            assert volume["configMap"]["name"] in configmaps
        if "secret" in volume:
            assert volume["secret"]["secretName"] in secrets
    for container in spec["containers"]:
        for mount in container.get("volumeMounts", []):
            assert mount["name"] in volumes
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()

    container = authgate_container(deployment)
    ((config_map_name,),) = [
        [v["configMap"]["name"]] for v in volumes.values() if "configMap" in v
    ]
    config = json.loads(configmaps[config_map_name]["data"]["authgate.json"])
    server = config["server"]
    metrics_port = int(server["metrics_listen"].rsplit(":", 1)[1])
    assert server["metrics_listen"].startswith("0.0.0.0:")
    assert port_number(container, "metrics") == metrics_port
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(metrics_port)
    assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    for probe_name, (path, service) in {
        "livenessProbe": ("/healthz", "liveness"),
        "readinessProbe": ("/readyz", "readiness"),
    }.items():
        probe = container[probe_name]
        if variant == "sidecar":
            # The API is on the Unix socket only: the kubelet reaches the
            # metrics port's HTTP probes.
            assert server["listen"] == "" and server["unix_socket"]
            assert probe["httpGet"]["path"] == path
            assert port_number(container, probe["httpGet"]["port"]) == metrics_port
        else:
            assert probe["grpc"] == {
                "port": int(server["listen"].rsplit(":", 1)[1]),
                "service": service,
            }
            port_number(container, probe["grpc"]["port"])
    # The pod outlives the drain: grace plus about a second of aborts.
    assert spec["terminationGracePeriodSeconds"] > seconds(server["shutdown_grace"]) + 1

    # Hardened, for every container of the pod.
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for c in spec["containers"]:
        assert c["securityContext"]["readOnlyRootFilesystem"] is True
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        assert "memory" in c["resources"]["limits"]

    # Files the config names lie under a mount of the authgate container.
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    secret_file = config["providers"][0]["client_secret_file"]
    secret_mount = os.path.dirname(secret_file)
    assert "secret" in volumes[mounts[secret_mount]]
    secret = secrets[volumes[mounts[secret_mount]]["secret"]["secretName"]]
    assert os.path.basename(secret_file) in secret["stringData"]
    assert container["args"] == ["--config=/etc/authgate/authgate.json"]
    assert "configMap" in volumes[mounts["/etc/authgate"]]

    if variant == "sidecar":
        # The app container shares exactly the socket's volume.
        socket_dir = os.path.dirname(server["unix_socket"])
        assert "emptyDir" in volumes[mounts[socket_dir]]
        (app,) = [c for c in spec["containers"] if c["name"] != AUTHGATE_CONTAINER]
        assert [m["mountPath"] for m in app["volumeMounts"]] == [socket_dir]
        assert {"name": "AUTHGATE_TARGET", "value": f"unix://{server['unix_socket']}"} in app["env"]
    else:
        service = by_kind(docs, "Service")["authgate"]
        hpa = by_kind(docs, "HorizontalPodAutoscaler")["authgate"]
        pdb = by_kind(docs, "PodDisruptionBudget")["authgate"]
        named = {p["name"] for p in container["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= named
        assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
        assert pdb["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
        assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
        assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]
        assert "cpu" in container["resources"]["requests"]
        for constraint in spec["topologySpreadConstraints"]:
            assert constraint["labelSelector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    root = tmp_path_factory.mktemp("k8s") / "tree"
    build_runtime_tree(root)
    return root


def mount_pod_files(root: pathlib.Path, variant: str, provider_override=None) -> tuple[list, dict]:
    """Recreates the authgate container's mounts inside the tree: the
    ConfigMap's file, the Secret's file (mode 0440, group 65532 as fsGroup
    makes it) and a writable emptyDir. Returns the container's args and the
    config written."""
    docs = manifests(variant)
    (deployment,) = by_kind(docs, "Deployment").values()
    container = authgate_container(deployment)
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    config = None
    for mount in container["volumeMounts"]:
        target = root / mount["mountPath"].lstrip("/")
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            data = by_kind(docs, "ConfigMap")[volume["configMap"]["name"]]["data"]
            for name, text in data.items():
                config = json.loads(text)
                if provider_override:
                    config["providers"] = provider_override
                (target / name).write_text(json.dumps(config))
        elif "secret" in volume:
            data = by_kind(docs, "Secret")[volume["secret"]["secretName"]]["stringData"]
            for name, text in data.items():
                (target / name).write_text(text)
                os.chown(target / name, 0, 65532)
                os.chmod(target / name, volume["secret"]["defaultMode"])
        else:
            assert "emptyDir" in volume
            os.chown(target, 65532, 65532)
    return container["args"], config


@pytest.mark.parametrize("variant", VARIANTS)
def test_check_config_accepts_the_pods_arguments_and_files(tree, variant):
    args, config = mount_pod_files(tree, variant)
    out = subprocess.run(
        chroot_argv(tree, "/usr/bin/authgate-server", *args, "--check_config"),
        env={},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    # The secret is read, never printed.
    assert "REPLACE-WITH-THE-APP-CLIENT-SECRET" not in out.stdout + out.stderr
    assert config["providers"][0]["issuer"] in out.stdout


@pytest.mark.parametrize("variant", VARIANTS)
def test_pod_shaped_server_answers_its_probes(tree, tmp_path, variant):
    """The pod's server section, args and mounts, with static keys in place
    of the live pool (no network here): probes as the manifest states them,
    then a token validated where the app would call."""
    jwks, token = static_keys()
    (tree / "etc/authgate").mkdir(parents=True, exist_ok=True)
    provider = {
        "name": "cognito",
        "kind": "cognito",
        "issuer": "https://issuer.deploy.test",
        "client_id": "deploy-client",
        "jwks_file": "/etc/authgate/jwks.json",
    }
    args, config = mount_pod_files(tree, variant, provider_override=[provider])
    (tree / "etc/authgate/jwks.json").write_text(json.dumps(jwks))
    server = Process(chroot_argv(tree, "/usr/bin/authgate-server", *args), env={})
    try:
        server.started()
        metrics = int(config["server"]["metrics_listen"].rsplit(":", 1)[1])
        assert http_get(f"http://127.0.0.1:{metrics}/healthz") == (200, {"status": "serving"})
        pb = stubs(tmp_path / "stubs")
        import grpc

        if variant == "sidecar":
            status, body = http_get(f"http://127.0.0.1:{metrics}/readyz")
            assert (status, body) == (200, {"status": "ready", "providers": {"cognito": True}})
            target = f"unix://{tree}{config['server']['unix_socket']}"
        else:
            target = "127.0.0.1:" + config["server"]["listen"].rsplit(":", 1)[1]
            with grpc.insecure_channel(target) as channel:
                health = pb.health_grpc.HealthStub(channel)
                for service in ("liveness", "readiness"):
                    reply = health.Check(pb.health.HealthCheckRequest(service=service), timeout=5)
                    assert reply.status == pb.health.HealthCheckResponse.SERVING
        principal = validate(pb, target, token)
        assert principal.provider == "cognito" and principal.subject == "deploy-user"
    finally:
        assert server.stop() == 0


def test_envoy_calls_authgate_ext_authz_and_fails_closed():
    config = yaml.safe_load((REPO / "deploy" / "envoy" / "envoy.yaml").read_text())
    resources = config["static_resources"]
    clusters = {c["name"]: c for c in resources["clusters"]}
    (listener,) = resources["listeners"]
    (hcm,) = [f for f in listener["filter_chains"][0]["filters"]]
    hcm = hcm["typed_config"]
    assert hcm["max_request_headers_kb"] == 16  # authgate's max_metadata_bytes (docs/grpc.md)
    filters = {f["name"]: f["typed_config"] for f in hcm["http_filters"]}
    assert list(filters)[-1] == "envoy.filters.http.router"
    ext_authz = filters["envoy.filters.http.ext_authz"]
    assert ext_authz["@type"].endswith("ext_authz.v3.ExtAuthz")
    assert ext_authz["transport_api_version"] == "V3"
    assert ext_authz["failure_mode_allow"] is False
    assert "with_request_body" not in ext_authz
    assert ext_authz["grpc_service"]["timeout"] == "0.5s"
    authgate = clusters[ext_authz["grpc_service"]["envoy_grpc"]["cluster_name"]]
    protocol = authgate["typed_extension_protocol_options"][
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
    ]
    assert "http2_protocol_options" in protocol["explicit_http_config"]
    assert authgate["health_checks"][0]["grpc_health_check"] == {"service_name": "readiness"}
    (endpoint,) = authgate["load_assignment"]["endpoints"][0]["lb_endpoints"]
    shared = json.loads(by_kind(manifests("shared"), "ConfigMap")["authgate-config"]["data"]["authgate.json"])
    assert endpoint["endpoint"]["address"]["socket_address"]["port_value"] == int(
        shared["server"]["listen"].rsplit(":", 1)[1]
    )
    for host in hcm["route_config"]["virtual_hosts"]:
        for route in host["routes"]:
            assert route["route"]["cluster"] in clusters
