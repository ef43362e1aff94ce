// _authgate_bench: the bare OpenSSL baseline of the Python benchmark
// (tests/perf/hot_paths/verify_python.py).
//
// Benchmark-only (never in the wheel): the same loop as BM_Bare in
// tests/cpp/verify_benchmark.cc, EVP_DigestVerifyInit + EVP_DigestVerify over
// pre-decoded signing inputs and signatures with one pre-parsed key, run in
// C++ with the GIL released, so the Python benchmark can put authgate and
// PyJWT against the true floor in the same run. It includes <openssl/...>
// directly, as the C++ benchmark's baseline does: it measures OpenSSL, not
// authgate.
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace {

// Verifies every (input, signature) pair with RS256 once; returns
// (valid count, seconds).
std::pair<size_t, double> BareRs256Loop(const std::string& public_key_der,
                                        const std::vector<std::string>& inputs,
                                        const std::vector<std::string>& sigs) {
  if (inputs.size() != sigs.size()) {
    throw std::invalid_argument("inputs and signatures differ in length");
  }
  const auto* der =
      reinterpret_cast<const unsigned char*>(public_key_der.data());
  EVP_PKEY* key =
      // OpenSSL's length parameter is a long.
      d2i_PUBKEY(nullptr, &der,
                 static_cast<long>(public_key_der.size()));  // NOLINT
  if (key == nullptr) {
    throw std::invalid_argument("not a DER SubjectPublicKeyInfo");
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t valid = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    py::gil_scoped_release release;
    for (size_t i = 0; i < inputs.size(); ++i) {
      EVP_MD_CTX_reset(ctx);
      if (EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
          EVP_DigestVerify(
              ctx, reinterpret_cast<const unsigned char*>(sigs[i].data()),
              sigs[i].size(),
              reinterpret_cast<const unsigned char*>(inputs[i].data()),
              inputs[i].size()) == 1) {
        ++valid;
      }
    }
  }
  const std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return {valid, elapsed.count()};
}

}  // namespace

PYBIND11_MODULE(_authgate_bench, m) {
  m.doc() = "Bare OpenSSL RS256 verify loop (benchmark baseline only).";
  m.def("bare_rs256_loop", &BareRs256Loop, py::arg("public_key_der"),
        py::arg("inputs"), py::arg("signatures"),
        "Verifies each pair once; returns (valid_count, seconds).");
}
