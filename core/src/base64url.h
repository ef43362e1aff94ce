// Strict base64url (RFC 7515 section 2 / RFC 4648 section 5) for JOSE.
//
// absl::WebSafeBase64Unescape is lenient (it accepts padding and ignores
// non-canonical trailing bits), which lets one token have many encodings; JOSE
// wants exactly one, so decoding is done here. Encoding uses abseil.
#ifndef AUTHGATE_SRC_BASE64URL_H_
#define AUTHGATE_SRC_BASE64URL_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace authgate::internal {

// Upper bound of the decoded size of `encoded_size` characters.
constexpr size_t Base64UrlDecodedSize(size_t encoded_size) {
  return encoded_size / 4 * 3 +
         (encoded_size % 4 == 0 ? 0 : encoded_size % 4 - 1);
}

// Decodes `in` into `out` (which has room for Base64UrlDecodedSize(in.size())
// bytes). Returns the decoded size, or nullopt when `in` is not canonical
// unpadded base64url: a character outside [A-Za-z0-9-_], padding, a length of
// 1 mod 4, or non-zero unused bits in the last character.
std::optional<size_t> Base64UrlDecodeInto(absl::string_view in, char* out);

// Convenience form of Base64UrlDecodeInto.
std::optional<std::string> Base64UrlDecode(absl::string_view in);

// Unpadded base64url.
std::string Base64UrlEncode(absl::string_view in);

}  // namespace authgate::internal

#endif  // AUTHGATE_SRC_BASE64URL_H_
