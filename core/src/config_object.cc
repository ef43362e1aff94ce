#include "authgate/config_object.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "authgate/status.h"
#include "status_macros.h"

#include <sys/stat.h>

namespace authgate {
namespace {

// Closes the descriptor on every return path.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status CannotRead(absl::string_view field, const std::string& path,
                        int error) {
  return ConfigFieldError(
      field, absl::StrCat("cannot read ", QuoteConfigText(path, 256), ": ",
                          std::strerror(error)));
}

absl::Status TooLarge(absl::string_view field, const std::string& path,
                      size_t max_bytes) {
  return ConfigFieldError(
      field, absl::StrCat(QuoteConfigText(path, 256), " exceeds the ",
                          max_bytes, "-byte limit"));
}

// Keys written as plain names are shown as they are; anything else quoted.
bool IsPlainKey(absl::string_view key) {
  if (key.size() > 64) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

absl::Status RangeError(absl::string_view field, absl::string_view min,
                        absl::string_view max, absl::string_view got) {
  return ConfigFieldError(field, absl::StrCat("must be between ", min, " and ",
                                              max, ", got ", got));
}

}  // namespace

absl::StatusOr<std::string> ReadConfigFile(absl::string_view field,
                                           const std::string& path,
                                           size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO with no writer must not hang start-up.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return CannotRead(field, path, errno);
  struct stat info;
  if (::fstat(fd.get(), &info) != 0) return CannotRead(field, path, errno);
  if (S_ISDIR(info.st_mode)) {
    return ConfigFieldError(
        field, absl::StrCat(QuoteConfigText(path, 256), " is a directory"));
  }
  // A regular file's size is known: refuse a huge (or sparse) one unread.
  if (S_ISREG(info.st_mode) &&
      static_cast<uint64_t>(info.st_size) > max_bytes) {
    return TooLarge(field, path, max_bytes);
  }
  // Blocking reads from here on, so a pipe's writer is waited for.
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  std::string text;
  // A device or pipe has no size: read one byte past the limit to tell an
  // exact fit from an overflow, growing the buffer no further than that.
  constexpr size_t kChunk = 64 * 1024;
  while (true) {
    size_t want = std::min(kChunk, max_bytes + 1 - text.size());
    size_t have = text.size();
    text.resize(have + want);
    ssize_t got = ::read(fd.get(), text.data() + have, want);
    if (got < 0 && errno == EINTR) {
      text.resize(have);
      continue;
    }
    if (got < 0) return CannotRead(field, path, errno);
    text.resize(have + static_cast<size_t>(got));
    if (got == 0) break;
    if (text.size() > max_bytes) return TooLarge(field, path, max_bytes);
  }
  return text;
}

absl::Status ConfigFieldError(absl::string_view field, absl::string_view what) {
  return MakeError(
      absl::StatusCode::kInvalidArgument, ErrorReason::kConfigInvalid,
      field.empty() ? std::string(what) : absl::StrCat(field, ": ", what));
}

std::string QuoteConfigText(absl::string_view text, size_t max_chars) {
  bool cut = text.size() > max_chars;
  return absl::StrCat("\"", absl::CEscape(text.substr(0, max_chars)), "\"",
                      cut ? "..." : "");
}

std::string FormatConfigDuration(absl::Duration duration) {
  if (duration == absl::ZeroDuration()) return "0s";
  return absl::FormatDuration(duration);
}

absl::Status CheckDurationRange(absl::string_view field, absl::Duration value,
                                const DurationRange& range) {
  if (value >= range.min && value <= range.max) return absl::OkStatus();
  return RangeError(field, FormatConfigDuration(range.min),
                    FormatConfigDuration(range.max),
                    FormatConfigDuration(value));
}

absl::Status CheckCountRange(absl::string_view field, uint64_t value,
                             const CountRange& range) {
  if (value >= range.min && value <= range.max) return absl::OkStatus();
  return RangeError(field, absl::StrCat(range.min), absl::StrCat(range.max),
                    absl::StrCat(value));
}

absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view field,
                                                 absl::string_view text,
                                                 const DurationRange& range) {
  absl::Duration duration;
  double seconds = 0;
  if (absl::ParseDuration(text, &duration)) {
    // "inf" parses; an infinite timeout or cooldown is never meant.
    if (duration == absl::InfiniteDuration() ||
        duration == -absl::InfiniteDuration()) {
      return RangeError(field, FormatConfigDuration(range.min),
                        FormatConfigDuration(range.max),
                        QuoteConfigText(text, 32));
    }
  } else if (absl::SimpleAtod(text, &seconds)) {
    // A bare number means seconds; nan, inf and 1e30 fail the range.
    if (!std::isfinite(seconds) || std::fabs(seconds) > 1e12) {
      return RangeError(field, FormatConfigDuration(range.min),
                        FormatConfigDuration(range.max),
                        QuoteConfigText(text, 32));
    }
    duration = absl::Seconds(seconds);
  } else {
    return ConfigFieldError(
        field, absl::StrCat("invalid duration ", QuoteConfigText(text, 32),
                            " (e.g. \"10s\", \"1m30s\")"));
  }
  AUTHGATE_RETURN_IF_ERROR(CheckDurationRange(field, duration, range));
  return duration;
}

absl::StatusOr<uint64_t> ParseCountText(absl::string_view field,
                                        absl::string_view text,
                                        const CountRange& range) {
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return ConfigFieldError(field, absl::StrCat("not a non-negative integer: ",
                                                QuoteConfigText(text, 32)));
  }
  AUTHGATE_RETURN_IF_ERROR(CheckCountRange(field, value, range));
  return value;
}

ConfigObject::ConfigObject(const nlohmann::json& value, std::string path)
    : value_(value), namer_([path = std::move(path)](absl::string_view key) {
        if (key.empty()) return path;
        return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
      }) {}

ConfigObject::ConfigObject(const nlohmann::json& value, Namer namer)
    : value_(value), namer_(std::move(namer)) {}

absl::Status ConfigObject::CheckIsObject() const {
  if (!value_.is_object()) {
    return ConfigFieldError(namer_(""), "must be an object");
  }
  return absl::OkStatus();
}

absl::Status ConfigObject::CheckKeys(const std::set<std::string>& known) const {
  for (const auto& item : value_.items()) {
    if (known.count(item.key()) == 0) {
      return ConfigFieldError(Field(item.key()), "unknown field");
    }
  }
  return absl::OkStatus();
}

std::string ConfigObject::Field(absl::string_view key) const {
  return IsPlainKey(key) ? namer_(key) : namer_(QuoteConfigText(key));
}

bool ConfigObject::Has(const std::string& key) const {
  return value_.is_object() && value_.contains(key);
}

const nlohmann::json& ConfigObject::at(const std::string& key) const {
  return value_.at(key);
}

ConfigObject ConfigObject::Child(const std::string& key) const {
  return ConfigObject(value_.at(key), Field(key));
}

absl::StatusOr<std::optional<std::string>> ConfigObject::String(
    const std::string& key) const {
  if (!Has(key)) return std::optional<std::string>();
  const nlohmann::json& v = value_.at(key);
  if (!v.is_string()) return ConfigFieldError(Field(key), "must be a string");
  return std::optional<std::string>(v.get<std::string>());
}

absl::StatusOr<std::optional<std::vector<std::string>>>
ConfigObject::StringList(const std::string& key) const {
  if (!Has(key)) return std::optional<std::vector<std::string>>();
  const nlohmann::json& v = value_.at(key);
  if (v.is_string()) {
    return std::optional<std::vector<std::string>>(
        std::vector<std::string>{v.get<std::string>()});
  }
  if (!v.is_array()) {
    return ConfigFieldError(Field(key), "must be an array of strings");
  }
  std::vector<std::string> out;
  for (const nlohmann::json& item : v) {
    if (!item.is_string()) {
      return ConfigFieldError(Field(key), "must be an array of strings");
    }
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

absl::StatusOr<std::optional<bool>> ConfigObject::Bool(
    const std::string& key) const {
  if (!Has(key)) return std::optional<bool>();
  const nlohmann::json& v = value_.at(key);
  if (!v.is_boolean()) {
    return ConfigFieldError(Field(key), "must be true or false");
  }
  return std::optional<bool>(v.get<bool>());
}

absl::StatusOr<std::optional<size_t>> ConfigObject::Count(
    const std::string& key, const CountRange& range) const {
  if (!Has(key)) return std::optional<size_t>();
  const nlohmann::json& v = value_.at(key);
  // Parsed text holds 5 as unsigned; a value built in code, as signed.
  bool non_negative = v.is_number_unsigned() ||
                      (v.is_number_integer() && v.get<int64_t>() >= 0);
  if (!non_negative) {
    return ConfigFieldError(Field(key), "must be a non-negative integer");
  }
  uint64_t value = v.get<uint64_t>();
  AUTHGATE_RETURN_IF_ERROR(CheckCountRange(Field(key), value, range));
  return std::optional<size_t>(static_cast<size_t>(value));
}

absl::StatusOr<std::optional<absl::Duration>> ConfigObject::Duration(
    const std::string& key, const DurationRange& range) const {
  if (!Has(key)) return std::optional<absl::Duration>();
  const nlohmann::json& v = value_.at(key);
  if (v.is_number()) {
    double seconds = v.get<double>();
    // nan, inf and 1e30 (which saturates to an infinite Duration) are out
    // of every range; say so with the number as written.
    if (!std::isfinite(seconds) || std::fabs(seconds) > 1e12) {
      return RangeError(Field(key), FormatConfigDuration(range.min),
                        FormatConfigDuration(range.max),
                        std::isfinite(seconds) ? v.dump() : "nan or inf");
    }
    absl::Duration duration = absl::Seconds(seconds);
    AUTHGATE_RETURN_IF_ERROR(CheckDurationRange(Field(key), duration, range));
    return std::optional<absl::Duration>(duration);
  }
  if (!v.is_string()) {
    return ConfigFieldError(Field(key),
                            "must be a duration string (\"10s\") or seconds");
  }
  absl::StatusOr<absl::Duration> d =
      ParseDurationText(Field(key), v.get<std::string>(), range);
  if (!d.ok()) return d.status();
  return std::optional<absl::Duration>(*d);
}

}  // namespace authgate
