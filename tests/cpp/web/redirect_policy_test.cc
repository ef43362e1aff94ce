// RedirectPolicy: every rd form of docs/web.md's contract, plus the classes
// of oauth2-proxy's redirect tests (pkg/app/redirect, testdata/openredirects)
// in our own cases, plus the config errors of Create and SameSiteOrigin.
#include "grpc_service/web/redirect_policy.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

#include "authgate/status.h"

namespace authgate::service {
namespace {

using std::string_literals::operator""s;

RedirectPolicy MakePolicy() {
  absl::StatusOr<RedirectPolicy> policy = RedirectPolicy::Create(
      "web.allowed_redirect_domains",
      {"app.example.com", ".corp.example", "port.example:8443",
       ".sub.port.example:8080", "Upper.Example.", "[::1]",
       "[2001:db8::1]:9000", "10.0.0.1"},
      "/home");
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *std::move(policy);
}

struct Case {
  const char* name;
  std::string rd;
  bool allowed;
};

class ResolveTest : public ::testing::TestWithParam<Case> {};

TEST_P(ResolveTest, AllowsOrRefuses) {
  const Case& c = GetParam();
  RedirectPolicy policy = MakePolicy();
  absl::StatusOr<std::string> resolved = policy.Resolve(c.rd);
  if (c.allowed) {
    ASSERT_TRUE(resolved.ok())
        << absl::CHexEscape(c.rd) << ": " << resolved.status();
    EXPECT_EQ(*resolved, c.rd);
  } else {
    ASSERT_FALSE(resolved.ok()) << absl::CHexEscape(c.rd);
    EXPECT_EQ(resolved.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(GetErrorReason(resolved.status()),
              ErrorReason::kRedirectNotAllowed);
  }
}

const Case kCases[] = {
    // The contract's row: relative paths on this host and allowed domains.
    {"Root", "/", true},
    {"Path", "/dashboard", true},
    {"PathQueryFragment", "/a/b?x=1&y=%2F#top", true},
    {"ColonLaterSegment", "/wiki/Special:Search", true},
    {"EncodedSlashInsidePath", "/a%2Fb", true},
    {"TrailingSlash", "/a/b/", true},
    {"UrlInQuery", "/app?next=https://evil.com/x&u=//y", true},
    {"EncodedSpaceInQuery", "/search?q=a%20b&r=c+d", true},
    {"EncodedSlashesInQuery", "/app?path=%2F%2Fdocs%5Cx", true},
    {"EncodedNewlineInQuery", "/app?x=%0d%0aSet-Cookie:a=b", false},
    {"DoublyEncodedTabInQuery", "/app?x=%2509", false},
    {"EncodedSpaceInPath", "/a%20b", false},
    {"DotsInsideSegment", "/a.b/..c/d..", true},
    {"AllowedHost", "https://app.example.com/x", true},
    {"AllowedHostHttp", "http://app.example.com/", true},
    {"AllowedHostAnyPort", "https://app.example.com:8443/x", true},
    {"AllowedHostNoPath", "https://app.example.com", true},
    {"AllowedHostQueryOnly", "https://app.example.com?x=1", true},
    {"AllowedHostFragmentAt", "https://app.example.com#@evil.com", true},
    {"SchemeAndHostCase", "HTTPS://APP.Example.COM/x", true},
    {"TrailingDotHost", "https://app.example.com./x", true},
    {"SubdomainRule", "https://a.b.corp.example/x", true},
    {"SubdomainRuleApex", "https://corp.example/", true},
    {"PortRuleMatches", "https://port.example:8443/", true},
    {"SubPortRuleMatches", "http://x.sub.port.example:8080/", true},
    {"ConfiguredTrailingDotAndCase", "https://upper.example/", true},
    {"Ipv6Listed", "http://[::1]/", true},
    {"Ipv6ListedWithPort", "http://[2001:db8::1]:9000/", true},
    {"Ipv4Listed", "http://10.0.0.1/", true},

    // The contract's refusals.
    {"SchemeRelative", "//evil.com", false},
    {"AbsoluteEvil", "https://evil.com", false},
    {"SlashBackslash", "/\\evil.com", false},
    {"DoubleBackslash", "\\\\evil.com", false},
    {"EncodedDoubleSlash", "/%2F%2Fevil.com", false},
    {"EncodedBackslash", "/%5Cevil.com", false},
    {"Javascript", "javascript:alert(1)", false},
    {"JavascriptUpper", "JaVaScRiPt:alert(1)", false},
    {"Tab", "/\t/evil.com", false},
    {"CarriageReturn", "/\r/evil.com", false},
    {"LineFeed", "/\n/evil.com", false},
    {"Space", "/ /evil.com", false},
    {"Nul", "/\0/evil.com"s, false},
    {"Del", "/\x7f/evil.com", false},
    {"Userinfo", "https://app.example.com@evil.com", false},
    {"UserinfoWithPassword", "https://app.example.com:x@evil.com/", false},
    {"QueryLooksLikeHost", "http://evil.com?.app.example.com", false},
    {"FragmentLooksLikeHost", "http://evil.com#.app.example.com", false},
    {"Ftp", "ftp://app.example.com/", false},
    {"Data", "data:text/html,<script>alert(1)</script>", false},
    {"File", "file:///etc/passwd", false},

    // oauth2-proxy's classes, our own cases.
    {"NoSlashRelative", "dashboard", false},
    {"MissingScheme", "app.example.com/x", false},
    {"TripleSlash", "///evil.com", false},
    {"ManySlashes", "/////evil.com/", false},
    {"SlashBackslashSlash", "/\\/evil.com/", false},
    {"BackslashSlashes", "\\/\\/evil.com/", false},
    {"EncodedTab", "/%09/evil.com", false},
    {"EncodedTabUserinfo", "/%09/app.example.com@evil.com", false},
    {"EncodedNul", "/%00/evil.com", false},
    {"EncodedCrLfHeaderSplit", "/x%0d%0aSet-Cookie:a=b", false},
    {"DoubleEncodedSlashes", "/%252F%252Fevil.com", false},
    {"TripleEncodedSlashes", "/%25252F%25252Fevil.com", false},
    {"EncodedSlashBackslash", "/%2F%5Cevil.com", false},
    {"EncodedScheme", "/%68%74%74%70%3a%2f%2fevil.com", false},
    {"FullyEncodedUrl", "%68%74%74%70%3a%2f%2fevil.com", false},
    {"PathAbsoluteUrl", "/https://evil.com", false},
    {"PathAbsoluteUrlAllowedUser", "/https://app.example.com@evil.com/", false},
    {"DotSegmentsBackslash", "/./\\evil.com", false},
    {"DotDotBackslash", "/./../../\\evil.com", false},
    {"AngleBrackets", "/<>//evil.com", false},
    {"Quote", "/\"onload=x", false},
    {"BadEscape", "/%zz", false},
    {"TruncatedEscape", "/abc%2", false},
    {"SimilarDomainSuffix", "https://app.example.com.evil.com/", false},
    {"SimilarDomainPrefix", "https://evilcorp.example/", false},
    {"SubdomainOfExactRule", "https://x.app.example.com/", false},
    {"RdParameterNamesGood", "https://evil.com/?rd=app.example.com", false},
    {"PortRuleWrongPort", "https://port.example:9443/", false},
    {"PortRuleDefaultPort", "https://port.example/", false},
    {"SubPortRuleWrongPort", "http://x.sub.port.example:8081/", false},
    {"EncodedDotInHost", "http://app.example.com%2eevil.com/", false},
    {"EncodedAtInPort", "http://app.example.com:80%40evil.com/", false},
    {"EncodedHashInHost", "http://evil.com%23.app.example.com/", false},
    {"EncodedQuestionInHost", "http://evil.com%3F.app.example.com/", false},
    {"BackslashInHost", "http://evil.com\\.app.example.com", false},
    {"PortThenFragmentAt", "http://evil.com:80#@app.example.com/", false},
    {"PortThenQueryAt", "http://evil.com:80?@app.example.com/", false},
    {"PlusAmpUserinfo", "http://app.example.com+&@evil.com#+@app.example.com/",
     false},
    {"SemicolonUserinfo", "http://;@evil.com", false},
    {"SchemeNoSlashes", "http:app.example.com", false},
    {"SchemeOneSlash", "https:/app.example.com/", false},
    {"SchemeBackslashes", "https:\\\\app.example.com/", false},
    {"SchemeTripleSlash", "https:///evil.com/", false},
    {"EmptyHost", "https:///", false},
    {"EmptyHostWithPort", "https://:443/", false},
    {"EmptyLabelHost", "https://x..corp.example/", false},
    {"LeadingDotHost", "https://.corp.example/", false},
    {"TwoTrailingDots", "https://app.example.com../", false},
    {"EmptyPort", "https://app.example.com:/", false},
    {"PortZero", "https://app.example.com:0/", false},
    {"PortTooLarge", "https://app.example.com:65536/", false},
    {"PortNotNumber", "https://app.example.com:8o/", false},
    {"TwoPorts", "https://app.example.com:443:80/", false},
    {"OctalIp", "http://0330.072.0326.0316/", false},
    {"IntegerIp", "http://3627734734/", false},
    {"HexIp", "http://0x0a000001/", false},
    {"Ipv6NotListed", "http://[::2]/", false},
    {"Ipv6MappedNotListed", "http://[::ffff:10.0.0.1]/", false},
    {"Ipv6ZoneId", "http://[::1%25eth0]/", false},
    {"UnclosedBracket", "http://[::1/", false},
    {"IdeographicFullStop",
     "https://evil\xe3\x80\x82"
     "com/",
     false},
    {"FullwidthSolidusPath",
     "/\xef\xbc\x8f\xef\xbc\x8f"
     "evil.com",
     false},
    {"CyrillicLookalike", "https://\xd0\xb0pp.example.com/", false},
    {"EncodedIdeographicStop", "//evil%E3%80%82com", false},
    {"Vbscript", "vbscript:msgbox(1)", false},
    {"LeadingSpace", " /dashboard", false},
    {"TrailingNewline", "/dashboard\n", false},
    {"AtOnly", "@evil.com", false},
    {"SchemeRelativeCoLocated", "//app.example.com/", false},
    {"EmptySegment", "/a//b", false},
    {"DotSegment", "/a/./b", false},
    {"DotDotSegment", "/a/../b", false},
    {"TrailingDotDot", "/a/..", false},
    {"EncodedDotDotClimb", "/evil.com/%2f%2e%2e", false},
    {"EncodedEmptyThenDotDot", "/evil.com//..", false},
    {"DoubleEncodedDotDot", "/a/%252e%252e/b", false},
    {"XColonFirstSegment", "/x:1/:///%01javascript:alert(1)/", false},
    {"TooLong", "/" + std::string(9000, 'a'), false},
};

INSTANTIATE_TEST_SUITE_P(Contract, ResolveTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(RedirectPolicyTest, EmptyRdIsTheDefault) {
  RedirectPolicy policy = MakePolicy();
  EXPECT_EQ(policy.default_url(), "/home");
  absl::StatusOr<std::string> resolved = policy.Resolve("");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, "/home");
}

TEST(RedirectPolicyTest, MessageQuotesAtMost64BytesEscaped) {
  RedirectPolicy policy = MakePolicy();
  std::string rd = "https://evil.com/\n" + std::string(200, 'q');
  absl::Status status = policy.Resolve(rd).status();
  EXPECT_EQ(GetErrorReason(status), ErrorReason::kRedirectNotAllowed);
  EXPECT_NE(status.message().find("https://evil.com/\\n"), std::string::npos)
      << status.message();
  EXPECT_EQ(status.message().find('\n'), std::string::npos);
  EXPECT_EQ(status.message().find(std::string(64, 'q')), std::string::npos);
  EXPECT_NE(status.message().find(std::string(46, 'q') + "..."),
            std::string::npos)
      << status.message();
}

TEST(RedirectPolicyTest, NoDomainsAllowsOnlyPaths) {
  absl::StatusOr<RedirectPolicy> policy =
      RedirectPolicy::Create("web.allowed_redirect_domains", {}, "/");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE(policy->Resolve("/x").ok());
  EXPECT_EQ(GetErrorReason(policy->Resolve("https://localhost/").status()),
            ErrorReason::kRedirectNotAllowed);
}

TEST(RedirectPolicyTest, AbsoluteDefaultOnAllowedHost) {
  absl::StatusOr<RedirectPolicy> policy = RedirectPolicy::Create(
      "web.allowed_redirect_domains", {"app.example.com"},
      "https://app.example.com/welcome");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(*policy->Resolve(""), "https://app.example.com/welcome");
}

struct ConfigCase {
  const char* name;
  std::vector<std::string> domains;
  std::string default_url;
  std::string message;  // expected prefix of the error message
};

class CreateTest : public ::testing::TestWithParam<ConfigCase> {};

TEST_P(CreateTest, RefusesNaming) {
  const ConfigCase& c = GetParam();
  absl::StatusOr<RedirectPolicy> policy = RedirectPolicy::Create(
      "web.allowed_redirect_domains", c.domains, c.default_url);
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorReason(policy.status()), ErrorReason::kConfigInvalid);
  EXPECT_EQ(policy.status().message().substr(0, c.message.size()), c.message)
      << policy.status().message();
}

const ConfigCase kConfigCases[] = {
    {"Empty", {"ok.example", ""}, "/", "web.allowed_redirect_domains[1]: "},
    {"DotOnly", {"."}, "/", "web.allowed_redirect_domains[0]: "},
    {"Scheme",
     {"https://app.example.com"},
     "/",
     "web.allowed_redirect_domains[0]: "},
    {"Path", {"app.example.com/x"}, "/", "web.allowed_redirect_domains[0]: "},
    {"Userinfo",
     {"u@app.example.com"},
     "/",
     "web.allowed_redirect_domains[0]: "},
    {"Wildcard", {"*.example.com"}, "/", "web.allowed_redirect_domains[0]: "},
    {"BadPort",
     {"app.example.com:99999"},
     "/",
     "web.allowed_redirect_domains[0]: "},
    {"AnyPortStar",
     {"app.example.com:*"},
     "/",
     "web.allowed_redirect_domains[0]: "},
    {"BareIpv6",
     {"::1"},
     "/",
     "web.allowed_redirect_domains[0]: an IPv6 address must be in brackets"},
    {"Ipv6Subdomains",
     {".[::1]"},
     "/",
     "web.allowed_redirect_domains[0]: an IPv6 address has no subdomains"},
    {"Space", {"app example.com"}, "/", "web.allowed_redirect_domains[0]: "},
    {"DefaultEmpty", {}, "", "web.default_return_url: "},
    {"DefaultSchemeRelative", {}, "//evil.com", "web.default_return_url: "},
    {"DefaultOtherHost",
     {"app.example.com"},
     "https://evil.com/",
     "web.default_return_url: "},
};

INSTANTIATE_TEST_SUITE_P(Config, CreateTest, ::testing::ValuesIn(kConfigCases),
                         [](const ::testing::TestParamInfo<ConfigCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(RedirectPolicyTest, SameSiteOrigin) {
  RedirectPolicy policy = MakePolicy();
  // The request's own host, with and without the scheme's default port.
  EXPECT_TRUE(policy.SameSiteOrigin("https://auth.local", "auth.local"));
  EXPECT_TRUE(policy.SameSiteOrigin("https://auth.local", "Auth.Local:443"));
  EXPECT_TRUE(policy.SameSiteOrigin("https://auth.local:443", "auth.local"));
  EXPECT_TRUE(policy.SameSiteOrigin("http://127.0.0.1:4180", "127.0.0.1:4180"));
  // An allowed domain.
  EXPECT_TRUE(policy.SameSiteOrigin("https://app.example.com", "auth.local"));
  EXPECT_TRUE(policy.SameSiteOrigin("https://x.corp.example", "auth.local"));
  EXPECT_TRUE(policy.SameSiteOrigin("http://[::1]:4180", "auth.local"));
  // Anything else.
  EXPECT_FALSE(policy.SameSiteOrigin("https://evil.com", "auth.local"));
  EXPECT_FALSE(
      policy.SameSiteOrigin("http://127.0.0.1:9999", "127.0.0.1:4180"));
  EXPECT_FALSE(
      policy.SameSiteOrigin("https://auth.local.evil.com", "auth.local"));
  EXPECT_FALSE(policy.SameSiteOrigin("null", "auth.local"));
  EXPECT_FALSE(policy.SameSiteOrigin("", "auth.local"));
  EXPECT_FALSE(policy.SameSiteOrigin("https://auth.local/", "auth.local"));
  EXPECT_FALSE(policy.SameSiteOrigin("https://u@auth.local", "auth.local"));
  EXPECT_FALSE(policy.SameSiteOrigin("ftp://auth.local", "auth.local"));
  EXPECT_FALSE(policy.SameSiteOrigin("https://port.example:1", "auth.local"));
  EXPECT_FALSE(policy.SameSiteOrigin("https://", ""));
}

}  // namespace
}  // namespace authgate::service
