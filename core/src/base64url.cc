#include "base64url.h"

#include <array>
#include <cstdint>

#include "absl/strings/escaping.h"

namespace authgate::internal {
namespace {

constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (uint8_t i = 0; i < 64; ++i) {
    table[static_cast<uint8_t>(kAlphabet[i])] = i;
  }
  return table;
}

constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

std::optional<size_t> Base64UrlDecodeInto(absl::string_view in, char* out) {
  if (in.size() % 4 == 1) return std::nullopt;
  const auto* src = reinterpret_cast<const uint8_t*>(in.data());
  size_t full = in.size() / 4 * 4;
  size_t written = 0;
  for (size_t i = 0; i < full; i += 4) {
    uint32_t a = kDecode[src[i]], b = kDecode[src[i + 1]],
             c = kDecode[src[i + 2]], d = kDecode[src[i + 3]];
    if ((a | b | c | d) & 0x80) return std::nullopt;
    uint32_t v = a << 18 | b << 12 | c << 6 | d;
    out[written++] = static_cast<char>(v >> 16);
    out[written++] = static_cast<char>(v >> 8);
    out[written++] = static_cast<char>(v);
  }
  size_t rest = in.size() - full;
  if (rest == 2) {
    uint32_t a = kDecode[src[full]], b = kDecode[src[full + 1]];
    // RFC 4648 section 3.5: unused bits must be zero for a canonical encoding.
    if ((a | b) & 0x80 || (b & 0x0f) != 0) return std::nullopt;
    out[written++] = static_cast<char>(a << 2 | b >> 4);
  } else if (rest == 3) {
    uint32_t a = kDecode[src[full]], b = kDecode[src[full + 1]],
             c = kDecode[src[full + 2]];
    if ((a | b | c) & 0x80 || (c & 0x03) != 0) return std::nullopt;
    out[written++] = static_cast<char>(a << 2 | b >> 4);
    out[written++] = static_cast<char>((b & 0x0f) << 4 | c >> 2);
  }
  return written;
}

std::optional<std::string> Base64UrlDecode(absl::string_view in) {
  std::string out(Base64UrlDecodedSize(in.size()), '\0');
  std::optional<size_t> size = Base64UrlDecodeInto(in, out.data());
  if (!size.has_value()) return std::nullopt;
  out.resize(*size);
  return out;
}

std::string Base64UrlEncode(absl::string_view in) {
  return absl::WebSafeBase64Escape(in);
}

}  // namespace authgate::internal
