// SessionKeys: the AES-256-GCM key ring that seals authgate's cookies (the
// session, the sign-in flow state) and the sessions kept in Redis.
//
// The first key seals; every key opens, so a key can be rotated in without
// signing anyone out: add the new key first, keep the old one until the
// longest session has ended, then drop it (a cookie sealed only with a
// dropped key is session_invalid). The cipher is the crypto module's
// (core/src/crypto/aead.h); a random 96-bit nonce per seal.
//
// `purpose` is bound as additional data, so a value sealed for one purpose
// (e.g. "flow:_authgate") cannot be replayed as another ("session:_authgate").
//
// Thread-safe (immutable after creation).
//
//   SessionKeys keys = SessionKeys::FromFile("web.cookie.secret_file",
//                                            "/run/secrets/cookie").value();
//   std::string sealed = keys.Seal("session:_authgate", plain).value();
//   absl::StatusOr<std::string> back = keys.Open("session:_authgate", sealed);
#ifndef AUTHGATE_GRPC_SERVICE_SESSION_SESSION_KEYS_H_
#define AUTHGATE_GRPC_SERVICE_SESSION_SESSION_KEYS_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace authgate::service {

class SessionKeys {
 public:
  // Reads a key file (bounded as every file the server reads,
  // ReadConfigFile): one key per line, each the standard or URL-safe base64
  // of exactly 32 random bytes (`openssl rand -base64 32`); blank lines and
  // lines starting with '#' are skipped; the first key seals. Errors:
  // kInvalidArgument config_invalid naming `field`, the file and the line
  // number ("web.cookie.secret_file: /run/x line 2: not the base64 of 32
  // bytes"), never a key; a file with no key is an error.
  static absl::StatusOr<SessionKeys> FromFile(absl::string_view field,
                                              const std::string& path);
  // The same from raw 32-byte keys (tests). Errors: config_invalid when
  // empty or a key is not 32 bytes.
  static absl::StatusOr<SessionKeys> FromRawKeys(
      std::vector<std::string> raw_keys);

  // base64url (no padding) of nonce || ciphertext || tag, sealed with the
  // first key. Errors: kInternal internal when the cipher or RNG fails.
  absl::StatusOr<std::string> Seal(absl::string_view purpose,
                                   absl::string_view plaintext) const;
  // Opens a value of Seal() with any key. Errors: kUnauthenticated
  // session_invalid when it is not base64url, too short, or no key opens it
  // under `purpose` (tampered, truncated, swapped, retired key).
  absl::StatusOr<std::string> Open(absl::string_view purpose,
                                   absl::string_view sealed) const;

  size_t size() const { return keys_.size(); }

 private:
  explicit SessionKeys(std::vector<std::string> keys)
      : keys_(std::move(keys)) {}
  std::vector<std::string> keys_;
};

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SESSION_SESSION_KEYS_H_
