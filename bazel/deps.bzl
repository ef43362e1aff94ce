"""authgate_dependencies(): every external repository of the offline Bazel build.

Nothing is downloaded (bazel-bootstrap 4.2.3, no network; STYLE.md section 10):
  - rules_java, platforms: Debian packages bazel-rules-java, bazel-platforms.
  - rules_cc: in-repo stand-in forwarding to the native rules (bazel/rules_cc).
  - remote_coverage_tools: stub; every cc_test depends on it implicitly.
  - system_libs: cc_library targets generated from pkg-config for Debian -dev packages.
  - authgate_project: pyproject.toml (the version) as a label; the root has no BUILD file.
"""

load("//bazel:pkg_config.bzl", "pkg_config_repository")
load("//bazel:project_files.bzl", "project_files_repository")

def authgate_dependencies():
    native.local_repository(
        name = "rules_java",
        path = "/usr/share/bazel/rules/java",
    )
    native.local_repository(
        name = "platforms",
        path = "/usr/share/bazel/tools/platforms",
    )
    native.local_repository(
        name = "rules_cc",
        path = "bazel/rules_cc",
    )
    native.local_repository(
        name = "remote_coverage_tools",
        path = "bazel/remote_coverage_tools",
    )
    project_files_repository(
        name = "authgate_project",
        files = ["pyproject.toml"],
    )
    pkg_config_repository(
        name = "system_libs",
        libraries = {
            # Grouped like the CMake link lists, so each group's -l list is complete once.
            "absl_base": ["absl_status", "absl_statusor", "absl_strings", "absl_cord", "absl_time"],
            "absl_containers": ["absl_flat_hash_map", "absl_flat_hash_set", "absl_synchronization"],
            "absl_flags": ["absl_flags", "absl_flags_parse", "absl_flags_usage"],
            "libcrypto": ["libcrypto"],
            "libcurl": ["libcurl"],
            "simdjson": ["simdjson"],
            "nlohmann_json": ["nlohmann_json"],
            "cli11": ["CLI11"],
            "gmock": ["gmock"],
            "gtest_main": ["gtest_main", "gmock"],
            "benchmark": ["benchmark"],
            # The browser face's Redis session store (Debian: libhiredis-dev).
            "hiredis": ["hiredis"],
            "grpcpp": ["grpc++", "protobuf"],
            "protobuf": ["protobuf"],
            "grpcpp_reflection": ["grpc++", "protobuf"],
            "prometheus_cpp": ["prometheus-cpp-core", "prometheus-cpp-pull"],
        },
        extra_linkopts = {
            # Debian's libgrpc++-dev has no grpc++_reflection.pc.
            "grpcpp_reflection": ["-lgrpc++_reflection"],
            # The health pages hook civetweb (prometheus-cpp's exposer), which
            # Debian ships without a .pc file (CMake: civetweb::civetweb{,-cpp}).
            "prometheus_cpp": ["-lcivetweb-cpp", "-lcivetweb"],
        },
    )
