#include "authgate/config_object.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "testing/status_matchers.h"

#include <sys/stat.h>

namespace authgate {
namespace {

using ::authgate::testing::IsOk;
using ::authgate::testing::StatusIs;

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/config_object_" + std::to_string(::getpid()) +
         "_" + name;
}

std::string WriteFile(const std::string& name, size_t bytes) {
  std::string path = TempPath(name);
  std::ofstream(path, std::ios::binary) << std::string(bytes, 'x');
  return path;
}

void ExpectConfigError(const absl::Status& status, const std::string& message) {
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               ErrorReason::kConfigInvalid));
  EXPECT_EQ(status.message(), message);
}

// /dev/zero used to end in std::bad_alloc and an abort.
TEST(ReadConfigFileTest, EndlessDeviceStopsAtTheLimit) {
  absl::StatusOr<std::string> read = ReadConfigFile("--config", "/dev/zero");
  ExpectConfigError(read.status(),
                    "--config: \"/dev/zero\" exceeds the 1048576-byte limit");
}

TEST(ReadConfigFileTest, DirectoryIsNamed) {
  std::string dir = TempPath("dir");
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ExpectConfigError(ReadConfigFile("--config", dir).status(),
                    "--config: \"" + dir + "\" is a directory");
  ::rmdir(dir.c_str());
}

TEST(ReadConfigFileTest, FileOverTheLimitIsRefusedUnread) {
  std::string path = WriteFile("big", 2 * 1024 * 1024);
  ExpectConfigError(
      ReadConfigFile("client_secret_file", path).status(),
      "client_secret_file: \"" + path + "\" exceeds the 1048576-byte limit");
  std::remove(path.c_str());
}

// A sparse file's size costs nothing on disk; it must not cost memory.
TEST(ReadConfigFileTest, HugeSparseFileIsRefusedUnread) {
  std::string path = TempPath("sparse");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(::ftruncate(::fileno(f), off_t{1} << 40), 0);
  std::fclose(f);
  ExpectConfigError(
      ReadConfigFile("--config", path).status(),
      "--config: \"" + path + "\" exceeds the 1048576-byte limit");
  std::remove(path.c_str());
}

TEST(ReadConfigFileTest, FileOfExactlyTheLimitIsRead) {
  std::string path = WriteFile("exact", kMaxConfigFileBytes);
  absl::StatusOr<std::string> read = ReadConfigFile("--config", path);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->size(), kMaxConfigFileBytes);
  std::remove(path.c_str());
}

TEST(ReadConfigFileTest, LimitIsPerCall) {
  std::string path = WriteFile("small", 11);
  ExpectConfigError(ReadConfigFile("f", path, 10).status(),
                    "f: \"" + path + "\" exceeds the 10-byte limit");
  absl::StatusOr<std::string> read = ReadConfigFile("f", path, 11);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, std::string(11, 'x'));
  std::remove(path.c_str());
}

TEST(ReadConfigFileTest, MissingFileNamesPathAndCause) {
  std::string path = TempPath("missing");
  ExpectConfigError(
      ReadConfigFile("--config", path).status(),
      "--config: cannot read \"" + path + "\": No such file or directory");
}

// A pipe (bash's <(...)) has no size: it is read up to the limit.
TEST(ReadConfigFileTest, PipeIsReadAndBounded) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "{\"a\": 1}", 8), 8);
  ::close(fds[1]);
  std::string path = "/dev/fd/" + std::to_string(fds[0]);
  absl::StatusOr<std::string> read = ReadConfigFile("--config", path);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, "{\"a\": 1}");
  ::close(fds[0]);
}

// Opening a FIFO nobody writes to used to block start-up for ever.
TEST(ReadConfigFileTest, FifoWithoutWriterReadsEmpty) {
  std::string path = TempPath("fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  absl::StatusOr<std::string> read = ReadConfigFile("--config", path);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, "");
  std::remove(path.c_str());
}

TEST(QuoteConfigTextTest, EscapesControlCharactersOnOneLine) {
  EXPECT_EQ(QuoteConfigText("a\nb\x1b[31m\"c"), "\"a\\nb\\033[31m\\\"c\"");
  EXPECT_EQ(QuoteConfigText("abcdef", 3), "\"abc\"...");
}

TEST(ConfigObjectTest, UnknownKeyWithNewlineAndEscapeIsQuoted) {
  nlohmann::json value = {{"ok", 1}, {"evil\nkey\x1b[31m", 2}};
  ConfigObject obj(value, "providers[0]");
  absl::Status status = obj.CheckKeys({"ok"});
  ExpectConfigError(status,
                    "providers[0].\"evil\\nkey\\033[31m\": unknown field");
  EXPECT_EQ(std::string(status.message()).find_first_of("\n\r\x1b"),
            std::string::npos);
}

TEST(ConfigObjectTest, PlainKeysAreNamedAsWritten) {
  nlohmann::json value = {{"isuer", 1}};
  ExpectConfigError(ConfigObject(value, "p").CheckKeys({"issuer"}),
                    "p.isuer: unknown field");
}

TEST(ParseDurationTextTest, RefusesNonFiniteAndHugeValues) {
  constexpr DurationRange kRange = {absl::Milliseconds(1), absl::Minutes(5)};
  for (const char* text : {"inf", "-inf", "nan", "1e30", "1e13"}) {
    ExpectConfigError(
        ParseDurationText("fetch_timeout", text, kRange).status(),
        std::string("fetch_timeout: must be between 1ms and 5m, got \"") +
            text + "\"");
  }
  // Even with no range named, nothing infinite gets through.
  EXPECT_THAT(ParseDurationText("f", "inf").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
  EXPECT_THAT(ParseDurationText("f", "1e30").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kConfigInvalid));
}

TEST(ParseDurationTextTest, RangeIsNamedInTheError) {
  constexpr DurationRange kRange = {absl::Seconds(1), absl::Hours(1)};
  ExpectConfigError(
      ParseDurationText("refetch_cooldown", "0s", kRange).status(),
      "refetch_cooldown: must be between 1s and 1h, got 0s");
  ExpectConfigError(
      ParseDurationText("refetch_cooldown", "90m", kRange).status(),
      "refetch_cooldown: must be between 1s and 1h, got 1h30m");
  ExpectConfigError(
      ParseDurationText("refetch_cooldown", "-5", kRange).status(),
      "refetch_cooldown: must be between 1s and 1h, got -5s");
  EXPECT_EQ(ParseDurationText("refetch_cooldown", "1s", kRange).value(),
            absl::Seconds(1));
  EXPECT_EQ(ParseDurationText("refetch_cooldown", "3600", kRange).value(),
            absl::Hours(1));
}

TEST(ParseDurationTextTest, GarbageIsQuotedEscaped) {
  ExpectConfigError(ParseDurationText("f", "1\nx").status(),
                    "f: invalid duration \"1\\nx\" (e.g. \"10s\", \"1m30s\")");
}

TEST(ConfigObjectTest, JsonNumberDurationsAreBounded) {
  constexpr DurationRange kRange = {absl::Seconds(1), absl::Hours(1)};
  nlohmann::json value = {
      {"zero", 0}, {"huge", 1e30}, {"nan", std::nan("")}, {"ok", 1.5}};
  ConfigObject obj(value, "jwks");
  ExpectConfigError(obj.Duration("zero", kRange).status(),
                    "jwks.zero: must be between 1s and 1h, got 0s");
  ExpectConfigError(obj.Duration("huge", kRange).status(),
                    "jwks.huge: must be between 1s and 1h, got 1e+30");
  ExpectConfigError(obj.Duration("nan", kRange).status(),
                    "jwks.nan: must be between 1s and 1h, got nan or inf");
  EXPECT_EQ(obj.Duration("ok", kRange).value(), absl::Milliseconds(1500));
  EXPECT_EQ(obj.Duration("absent", kRange).value(), std::nullopt);
}

TEST(ConfigObjectTest, CountsAreBounded) {
  nlohmann::json value = {{"n", 0}, {"big", 5000}, {"neg", -1}};
  ConfigObject obj(value, "verifier");
  constexpr CountRange kRange = {1, 4096};
  ExpectConfigError(obj.Count("n", kRange).status(),
                    "verifier.n: must be between 1 and 4096, got 0");
  ExpectConfigError(obj.Count("big", kRange).status(),
                    "verifier.big: must be between 1 and 4096, got 5000");
  ExpectConfigError(obj.Count("neg", kRange).status(),
                    "verifier.neg: must be a non-negative integer");
  ExpectConfigError(ParseCountText("--worker_threads", "0", kRange).status(),
                    "--worker_threads: must be between 1 and 4096, got 0");
  ExpectConfigError(
      ParseCountText("--worker_threads", "x\x1b", kRange).status(),
      "--worker_threads: not a non-negative integer: \"x\\033\"");
  EXPECT_EQ(ParseCountText("--worker_threads", "8", kRange).value(), 8u);
}

}  // namespace
}  // namespace authgate
