#include "grpc_service/session/cookies.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace authgate::service {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::Pair;

TEST(ParseCookieHeaderTest, ToleratesSpacesEmptyPairsQuotesAndJunk) {
  CookieJar jar = ParseCookieHeader(
      " a=1;b = 2 ;;  ; c=\"quoted\"; novalue; =nameless; d=; e=x=y;\tf=\t3");
  EXPECT_THAT(jar.pairs(),
              ElementsAre(Pair("a", "1"), Pair("b", "2"), Pair("c", "quoted"),
                          Pair("d", ""), Pair("e", "x=y"), Pair("f", "3")));
  EXPECT_THAT(jar.Get("c"), Optional(absl::string_view("quoted")));
  EXPECT_EQ(jar.Get("novalue"), std::nullopt);
  EXPECT_EQ(jar.Get("missing"), std::nullopt);
}

TEST(ParseCookieHeaderTest, FirstOfTwoSameNamedCookiesWins) {
  CookieJar jar = ParseCookieHeader("s=specific; s=general");
  EXPECT_THAT(jar.Get("s"), Optional(absl::string_view("specific")));
  EXPECT_EQ(jar.pairs().size(), 1u);
}

TEST(ParseCookieHeaderTest, LoneQuoteIsKept) {
  CookieJar jar = ParseCookieHeader("q=\"; r=\"\"");
  EXPECT_THAT(jar.Get("q"), Optional(absl::string_view("\"")));
  EXPECT_THAT(jar.Get("r"), Optional(absl::string_view("")));
}

// Beyond kMaxCookieHeaderBytes the header is ignored whole; at the limit
// it is read.
TEST(ParseCookieHeaderTest, OversizedHeaderGivesAnEmptyJar) {
  std::string at_limit = "a=" + std::string(kMaxCookieHeaderBytes - 2, 'v');
  EXPECT_EQ(ParseCookieHeader(at_limit).pairs().size(), 1u);
  EXPECT_TRUE(ParseCookieHeader(at_limit + "v").pairs().empty());
}

TEST(CookieJarTest, JoinedReadsTheWholeCookieOrItsChunks) {
  CookieJar whole = ParseCookieHeader("x=1; _authgate=abc");
  EXPECT_THAT(whole.Joined("_authgate"), Optional(std::string("abc")));
  EXPECT_EQ(whole.ChunkCount("_authgate"), 1u);

  CookieJar split =
      ParseCookieHeader("_authgate_1=def; _authgate_0=abc; _authgate_2=gh");
  EXPECT_THAT(split.Joined("_authgate"), Optional(std::string("abcdefgh")));
  EXPECT_EQ(split.ChunkCount("_authgate"), 3u);

  CookieJar gap = ParseCookieHeader("_authgate_0=abc; _authgate_2=gh");
  EXPECT_THAT(gap.Joined("_authgate"), Optional(std::string("abc")));
  EXPECT_EQ(gap.ChunkCount("_authgate"), 2u);  // a lone chunk: clear two

  CookieJar none = ParseCookieHeader("_authgate_1=def; other=1");
  EXPECT_EQ(none.Joined("_authgate"), std::nullopt);
  EXPECT_EQ(none.ChunkCount("_authgate"), 0u);
}

// A mix of both layouts is refused: which one is current is unknowable.
TEST(CookieJarTest, JoinedRefusesAMixOfLayouts) {
  CookieJar mix =
      ParseCookieHeader("_authgate=abc; _authgate_0=def; _authgate_1=g");
  EXPECT_EQ(mix.Joined("_authgate"), std::nullopt);
  EXPECT_EQ(mix.ChunkCount("_authgate"), 2u);
  EXPECT_THAT(ClearCookieHeaders(CookieSettings(), "_authgate",
                                 mix.ChunkCount("_authgate")),
              ElementsAre(::testing::StartsWith("_authgate=;"),
                          ::testing::StartsWith("_authgate_0=;"),
                          ::testing::StartsWith("_authgate_1=;")));
}

TEST(CookieJarTest, JoinedStopsAtTheChunkBound) {
  std::vector<std::string> pairs;
  for (int i = 0; i < 100; ++i) pairs.push_back(absl::StrCat("n_", i, "=x"));
  CookieJar jar = ParseCookieHeader(absl::StrJoin(pairs, "; "));
  size_t bound = kMaxCookieHeaderBytes / kMaxCookieValueBytes + 1;
  EXPECT_EQ(jar.Joined("n")->size(), bound);
  EXPECT_EQ(jar.ChunkCount("n"), bound);
}

TEST(CookieJarTest, HeaderWithoutDropsAuthgatesCookiesOnly) {
  CookieJar jar = ParseCookieHeader(
      "app=1; _authgate=s; _authgate_0=c0; _authgate_12=c; "
      "_authgate_csrf_abcdefabcdef=f; _authgate_x=keep; q=\"v\"; _authgatex=2");
  EXPECT_EQ(jar.HeaderWithout("_authgate", "_authgate_csrf_"),
            "app=1; _authgate_x=keep; q=\"v\"; _authgatex=2");
  EXPECT_EQ(ParseCookieHeader("_authgate=s").HeaderWithout("_authgate", ""),
            "");
}

TEST(SetCookieHeadersTest, FormatsEveryAttribute) {
  CookieSettings settings;
  settings.domain = ".example.com";
  settings.path = "/app";
  settings.same_site = "Strict";
  EXPECT_THAT(SetCookieHeaders(settings, "_authgate", "v", absl::Hours(1), 0),
              ElementsAre("_authgate=v; Path=/app; Domain=.example.com; "
                          "Max-Age=3600; Secure; HttpOnly; SameSite=Strict"));
  CookieSettings plain;
  plain.secure = false;
  plain.http_only = false;
  plain.same_site = "";
  EXPECT_THAT(SetCookieHeaders(plain, "n", "v", absl::InfiniteDuration(), 0),
              ElementsAre("n=v; Path=/"));
  // SameSite=None is emitted as configured (the config insists on Secure).
  CookieSettings none;
  none.same_site = "None";
  EXPECT_THAT(SetCookieHeaders(none, "n", "v", absl::Seconds(-5), 0),
              ElementsAre("n=v; Path=/; Max-Age=0; Secure; HttpOnly; "
                          "SameSite=None"));
}

TEST(SetCookieHeadersTest, SplitsLongValuesAndJoinsBack) {
  CookieSettings settings;
  std::string value;
  for (int i = 0; value.size() < 2 * kMaxCookieValueBytes + 100; ++i) {
    value += static_cast<char>('a' + i % 26);
  }
  std::vector<std::string> headers =
      SetCookieHeaders(settings, "_authgate", value, absl::Hours(1), 0);
  ASSERT_EQ(headers.size(), 3u);
  std::vector<std::string> request;
  for (const std::string& h : headers) {
    EXPECT_LE(h.size(), 4096u);
    request.push_back(h.substr(0, h.find(';')));
  }
  EXPECT_EQ(request[0].substr(0, 12), "_authgate_0=");
  CookieJar jar = ParseCookieHeader(absl::StrJoin(request, "; "));
  EXPECT_THAT(jar.Joined("_authgate"), Optional(value));
  EXPECT_EQ(jar.ChunkCount("_authgate"), 3u);

  std::string exact(kMaxCookieValueBytes, 'v');
  EXPECT_EQ(SetCookieHeaders(settings, "n", exact, absl::Hours(1), 0).size(),
            1u);
  EXPECT_EQ(
      SetCookieHeaders(settings, "n", exact + "v", absl::Hours(1), 0).size(),
      2u);
}

TEST(SetCookieHeadersTest, ExpiresWhatThePreviousLayoutLeaves) {
  CookieSettings settings;
  settings.secure = false;
  settings.http_only = false;
  settings.same_site = "";
  std::string big(2 * kMaxCookieValueBytes + 1, 'v');  // three chunks
  // Split (3) to whole: the three chunks go.
  EXPECT_THAT(
      SetCookieHeaders(settings, "n", "small", absl::Hours(1), 3),
      ElementsAre("n=small; Path=/; Max-Age=3600", "n_0=; Path=/; Max-Age=0",
                  "n_1=; Path=/; Max-Age=0", "n_2=; Path=/; Max-Age=0"));
  // Whole to split: the whole cookie goes.
  std::vector<std::string> headers =
      SetCookieHeaders(settings, "n", big, absl::Hours(1), 1);
  ASSERT_EQ(headers.size(), 4u);
  EXPECT_EQ(headers[3], "n=; Path=/; Max-Age=0");
  // Five chunks to three: chunks 3 and 4 go, and a whole cookie the
  // browser may hold beside them (found by cookie_header_fuzzer: from
  // "n=a; n_0=b" a split value left "n" behind, so Joined saw a mix).
  headers = SetCookieHeaders(settings, "n", big, absl::Hours(1), 5);
  ASSERT_EQ(headers.size(), 6u);
  EXPECT_EQ(headers[3], "n=; Path=/; Max-Age=0");
  EXPECT_EQ(headers[4], "n_3=; Path=/; Max-Age=0");
  EXPECT_EQ(headers[5], "n_4=; Path=/; Max-Age=0");
  // Whole to whole: nothing to expire.
  EXPECT_EQ(SetCookieHeaders(settings, "n", "v", absl::Hours(1), 1).size(), 1u);
}

TEST(ClearCookieHeadersTest, ClearsTheCookieAndItsChunks) {
  CookieSettings settings;
  settings.domain = "example.com";
  EXPECT_THAT(ClearCookieHeaders(settings, "n", 1),
              ElementsAre("n=; Path=/; Domain=example.com; Max-Age=0; Secure; "
                          "HttpOnly; SameSite=Lax"));
  EXPECT_EQ(ClearCookieHeaders(settings, "n", 0).size(), 1u);
  std::vector<std::string> headers = ClearCookieHeaders(settings, "n", 3);
  ASSERT_EQ(headers.size(), 4u);
  EXPECT_EQ(headers[3].substr(0, 5), "n_2=;");
}

}  // namespace
}  // namespace authgate::service
