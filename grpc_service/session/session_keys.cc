#include "grpc_service/session/session_keys.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include "authgate/config_object.h"
#include "authgate/status.h"
#include "base64url.h"
#include "crypto/aead.h"

namespace authgate::service {
namespace {

absl::Status NotSealedHere() {
  return MakeError(absl::StatusCode::kUnauthenticated,
                   ErrorReason::kSessionInvalid,
                   "sealed value is not valid under any configured key");
}

// `openssl rand -base64 32` prints standard base64 with padding; URL-safe
// base64 with or without padding is accepted too. Exactly 32 bytes.
std::optional<std::string> DecodeKey(absl::string_view line) {
  std::string raw;
  bool url_safe = line.find_first_of("-_") != absl::string_view::npos;
  bool decoded = url_safe ? absl::WebSafeBase64Unescape(line, &raw)
                          : absl::Base64Unescape(line, &raw);
  if (!decoded || raw.size() != internal::kAes256GcmKeyBytes) {
    return std::nullopt;
  }
  return raw;
}

}  // namespace

absl::StatusOr<SessionKeys> SessionKeys::FromFile(absl::string_view field,
                                                  const std::string& path) {
  absl::StatusOr<std::string> text = ReadConfigFile(field, path);
  if (!text.ok()) return text.status();
  std::vector<std::string> keys;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::optional<std::string> key = DecodeKey(line);
    if (!key.has_value()) {
      // The line is a secret (or a typo of one): its number, never its text.
      return ConfigFieldError(
          field, absl::StrCat(QuoteConfigText(path), " line ", line_number,
                              ": not the base64 of 32 bytes"));
    }
    keys.push_back(*std::move(key));
  }
  if (keys.empty()) {
    return ConfigFieldError(
        field, absl::StrCat(QuoteConfigText(path),
                            " holds no key (one base64 32-byte key per line: "
                            "openssl rand -base64 32)"));
  }
  return SessionKeys(std::move(keys));
}

absl::StatusOr<SessionKeys> SessionKeys::FromRawKeys(
    std::vector<std::string> raw_keys) {
  if (raw_keys.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kConfigInvalid, "no session key");
  }
  for (const std::string& key : raw_keys) {
    if (key.size() != internal::kAes256GcmKeyBytes) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid,
                       "a session key is not 32 bytes");
    }
  }
  return SessionKeys(std::move(raw_keys));
}

absl::StatusOr<std::string> SessionKeys::Seal(
    absl::string_view purpose, absl::string_view plaintext) const {
  absl::StatusOr<std::string> sealed =
      internal::Aes256GcmSeal(keys_.front(), plaintext, purpose);
  if (!sealed.ok()) {
    // A 32-byte key cannot be refused, so any failure is the cipher's.
    return MakeError(absl::StatusCode::kInternal, ErrorReason::kInternal,
                     "sealing failed");
  }
  return internal::Base64UrlEncode(*sealed);
}

absl::StatusOr<std::string> SessionKeys::Open(absl::string_view purpose,
                                              absl::string_view sealed) const {
  // Bounded before decoding: nothing authgate seals comes near this, and a
  // browser sends at most a few cookies of 4 KB.
  constexpr size_t kMaxSealedChars = 1 << 20;
  if (sealed.size() > kMaxSealedChars) return NotSealedHere();
  std::string raw(internal::Base64UrlDecodedSize(sealed.size()), '\0');
  std::optional<size_t> size =
      internal::Base64UrlDecodeInto(sealed, raw.data());
  if (!size.has_value() || *size < internal::kAes256GcmOverhead) {
    return NotSealedHere();
  }
  raw.resize(*size);
  // The first key seals, so it opens nearly every value on the first try;
  // older keys are tried only during a rotation.
  for (const std::string& key : keys_) {
    absl::StatusOr<std::string> plain =
        internal::Aes256GcmOpen(key, raw, purpose);
    if (plain.ok()) return plain;
    if (GetErrorReason(plain.status()) != ErrorReason::kSessionInvalid) {
      return MakeError(absl::StatusCode::kInternal, ErrorReason::kInternal,
                       "opening a sealed value failed");
    }
  }
  return NotSealedHere();
}

}  // namespace authgate::service
