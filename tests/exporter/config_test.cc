#include "vx11/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace vx11 {
namespace {

using namespace std::chrono_literals;

ServiceConfig MustLoad(const std::string& text) {
  auto result = LoadConfigText(text, "operator.yml");
  if (auto* e = std::get_if<ConfigError>(&result)) ADD_FAILURE() << e->ToString();
  return std::get<ServiceConfig>(result);
}

std::string ErrorOf(const std::string& text) {
  auto result = LoadConfigText(text, "operator.yml");
  auto* e = std::get_if<ConfigError>(&result);
  return e == nullptr ? "(loaded)" : e->ToString();
}

const std::string kOpsHash = HexOf(Sha256Of("ops-secret"));

TEST(ConfigTest, DefaultsMatchTheGuide) {
  ServiceConfig c;
  EXPECT_EQ(c.listen_address, ":8011");
  EXPECT_EQ(c.token_ttl, 60s);
  EXPECT_EQ(c.max_active_tokens, 100000u);
  EXPECT_EQ(c.heartbeat_interval, 15s);
  EXPECT_TRUE(c.single_use_tokens);
  EXPECT_EQ(c.log_level, LogLevel::kInfo);
}

TEST(ConfigTest, EmptyFileKeepsDefaults) {
  EXPECT_EQ(MustLoad("").token_ttl, 60s);
}

TEST(ConfigTest, ReadsEverySection) {
  const ServiceConfig c = MustLoad(
      "web:\n"
      "  listen_address: 127.0.0.1:9000\n"
      "  telemetry_path: /m\n"
      "  max_body_bytes: 1024\n"
      "token:\n"
      "  ttl: 2m\n"
      "  single_use: false\n"
      "  max_active: 50\n"
      "sse:\n"
      "  heartbeat_interval: 5s\n"
      "  retry: 1s\n"
      "  max_streams: 10\n"
      "log:\n"
      "  level: debug\n"
      "principals:\n"
      "  - name: ops\n"
      "    token_sha256: " + kOpsHash + "\n"
      "fault_injection:\n"
      "  issue_latency: 150ms\n");
  EXPECT_EQ(c.listen_address, "127.0.0.1:9000");
  EXPECT_EQ(c.telemetry_path, "/m");
  EXPECT_EQ(c.max_body_bytes, 1024u);
  EXPECT_EQ(c.token_ttl, 120s);
  EXPECT_FALSE(c.single_use_tokens);
  EXPECT_EQ(c.max_active_tokens, 50u);
  EXPECT_EQ(c.heartbeat_interval, 5s);
  EXPECT_EQ(c.stream_retry, 1s);
  EXPECT_EQ(c.max_streams, 10u);
  EXPECT_EQ(c.log_level, LogLevel::kDebug);
  ASSERT_EQ(c.principals.size(), 1u);
  EXPECT_EQ(c.principals[0].name, "ops");
  EXPECT_EQ(c.principals[0].token_sha256, Sha256Of("ops-secret"));
  EXPECT_EQ(c.inject_latency.issue, 150ms);
}

TEST(ConfigTest, UnknownKeyNamesFileLineAndKey) {
  EXPECT_EQ(ErrorOf("token:\n  ttl: 60s\n  tll: 5s\n"),
            "operator.yml:3: token.tll: unknown key \"tll\" (did you mean ttl?) (expected one of: "
            "ttl, single_use, max_active)");
}

TEST(ConfigTest, BadDurationNamesTheProblem) {
  EXPECT_EQ(ErrorOf("token:\n  ttl: 60 seconds\n"),
            "operator.yml:2: token.ttl: invalid duration: unknown unit \" seconds\" in \"60 seconds\" "
            "(one of y, w, d, h, m, s, ms)");
}

TEST(ConfigTest, RejectsZeroTtl) {
  EXPECT_EQ(ErrorOf("token:\n  ttl: 0s\n"), "operator.yml:2: token.ttl: must be > 0");
}

TEST(ConfigTest, RejectsPlainTokenInsteadOfHash) {
  EXPECT_NE(ErrorOf("principals:\n  - name: ops\n    token_sha256: ops-secret\n")
                .find("operator.yml:3: principals[0].token_sha256: expected 64 hex digits"),
            std::string::npos);
}

TEST(ConfigTest, RejectsDuplicatePrincipal) {
  const std::string p = "  - name: ops\n    token_sha256: " + kOpsHash + "\n";
  EXPECT_EQ(ErrorOf("principals:\n" + p + p),
            "operator.yml:4: principals[1].name: duplicate principal \"ops\"");
}

TEST(ConfigTest, RejectsBadCountAndBool) {
  EXPECT_EQ(ErrorOf("token:\n  max_active: lots\n"),
            "operator.yml:2: token.max_active: expected a non-negative integer, got \"lots\"");
  EXPECT_EQ(ErrorOf("token:\n  single_use: yes please\n"),
            "operator.yml:2: token.single_use: expected true or false, got \"yes please\"");
}

// The service's config is read by the scenarios' strict reader: what yaml-cpp alone would
// accept silently (a duplicated key keeps its first value, a second document is dropped) is an
// error naming where.
TEST(ConfigTest, DuplicateKeyIsAnErrorNotTheFirstValue) {
  EXPECT_EQ(ErrorOf("token:\n  ttl: 30s\n  ttl: 90s\n"),
            "operator.yml:3: token.ttl: duplicate key \"ttl\" (first at line 2)");
  EXPECT_EQ(ErrorOf("token:\n  ttl: 30s\ntoken:\n  ttl: 90s\n"),
            "operator.yml:3: token: duplicate key \"token\" (first at line 1)");
}

TEST(ConfigTest, ASecondDocumentIsAnError) {
  EXPECT_EQ(ErrorOf("token:\n  ttl: 30s\n---\nweb: {}\n"),
            "operator.yml:3: more than one YAML document (\"---\"); put one per file");
}

TEST(ConfigTest, AQuotedNumberOrBoolIsAnError) {
  EXPECT_NE(ErrorOf("token:\n  single_use: \"true\"\n").find("operator.yml:2: token.single_use: "),
            std::string::npos);
  EXPECT_NE(ErrorOf("sse:\n  max_streams: \"10\"\n").find("operator.yml:2: sse.max_streams: "),
            std::string::npos);
}

TEST(ConfigTest, ASectionThatIsNotAMapNamesIt) {
  EXPECT_NE(ErrorOf("token: 60s\n").find("operator.yml:1: token: expected a map"), std::string::npos)
      << ErrorOf("token: 60s\n");
}

TEST(ConfigTest, ThreadsAreBounded) {
  EXPECT_EQ(ErrorOf("web:\n  threads: 65\n"), "operator.yml:2: web.threads: at most 64");
  EXPECT_EQ(ErrorOf("web:\n  threads: 99999999999999999999\n"),
            "operator.yml:2: web.threads: expected a non-negative integer, got "
            "\"99999999999999999999\"");
}

TEST(ConfigTest, YamlSyntaxErrorHasLine) {
  EXPECT_NE(ErrorOf("token:\n  ttl: [60s\n").find("operator.yml:"), std::string::npos);
}

TEST(ConfigTest, MissingFileIsNamed) {
  auto result = LoadConfigFile("/nonexistent/operator.yml");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(result));
  EXPECT_EQ(std::get<ConfigError>(result).ToString(),
            "/nonexistent/operator.yml: cannot open: No such file or directory");
}

CommandLine Parse(std::vector<const char*> args, const char* env = nullptr) {
  args.insert(args.begin(), "operator-backend");
  return ParseCommandLine(static_cast<int>(args.size()), args.data(), env);
}

TEST(CommandLineTest, FlagsOverrideDefaults) {
  const auto cl = Parse({"--web.listen-address=127.0.0.1:0", "--token.ttl=2s", "--log.level=warning",
                         "--sse.max-streams", "5", "--token.single-use=false"});
  ASSERT_FALSE(cl.exit_code) << cl.output;
  EXPECT_EQ(cl.config.listen_address, "127.0.0.1:0");
  EXPECT_EQ(cl.config.token_ttl, 2s);
  EXPECT_EQ(cl.config.log_level, LogLevel::kWarning);
  EXPECT_EQ(cl.config.max_streams, 5u);
  EXPECT_FALSE(cl.config.single_use_tokens);
}

TEST(CommandLineTest, TransportLimitsFromFlags) {
  const auto cl = Parse({"--sse.max-queued-bytes=4096", "--web.max-body-bytes=10",
                         "--web.idle-timeout=5s", "--web.request-timeout=2s", "--web.threads=3"});
  ASSERT_FALSE(cl.exit_code) << cl.output;
  EXPECT_EQ(cl.config.max_queued_bytes, 4096u);
  EXPECT_EQ(cl.config.max_body_bytes, 10u);
  EXPECT_EQ(cl.config.idle_timeout, 5s);
  EXPECT_EQ(cl.config.request_timeout, 2s);
  EXPECT_EQ(cl.config.io_threads, 3);
  EXPECT_EQ(Parse({"--sse.max-queued-bytes=1023"}).exit_code, 2);
  EXPECT_EQ(Parse({"--web.request-timeout=0s"}).exit_code, 2);
  EXPECT_EQ(Parse({"--web.threads=65"}).exit_code, 2);
}

TEST(ConfigTest, TransportLimitsFromFile) {
  const ServiceConfig c = MustLoad(
      "web:\n  idle_timeout: 30s\n  request_timeout: 3s\n  threads: 2\n"
      "sse:\n  max_queued_bytes: 65536\n");
  EXPECT_EQ(c.idle_timeout, 30s);
  EXPECT_EQ(c.request_timeout, 3s);
  EXPECT_EQ(c.io_threads, 2);
  EXPECT_EQ(c.max_queued_bytes, 65536u);
  EXPECT_EQ(ErrorOf("sse:\n  max_queued_bytes: 100\n"),
            "operator.yml:2: sse.max_queued_bytes: must be at least 1024");
  EXPECT_EQ(ErrorOf("web:\n  idle_timeout: 0s\n"), "operator.yml:2: web.idle_timeout: must be > 0");
}

TEST(CommandLineTest, FlagBeatsEnvironmentBeatsFile) {
  const std::string path = ::testing::TempDir() + "/cl_test.yml";
  std::ofstream(path) << "log:\n  level: ERROR\ntoken:\n  ttl: 30s\n";
  auto cl = Parse({"--config.file", path.c_str()}, "DEBUG");
  ASSERT_FALSE(cl.exit_code) << cl.output;
  EXPECT_EQ(cl.config.log_level, LogLevel::kDebug);
  EXPECT_EQ(cl.config.token_ttl, 30s);
  cl = Parse({"--config.file", path.c_str(), "--log.level=INFO", "--token.ttl=45s"}, "DEBUG");
  EXPECT_EQ(cl.config.log_level, LogLevel::kInfo);
  EXPECT_EQ(cl.config.token_ttl, 45s);
}

TEST(CommandLineTest, BadValuesExitTwoWithMessage) {
  auto cl = Parse({"--token.ttl=soon"});
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_NE(cl.output.find("--token.ttl"), std::string::npos);
  cl = Parse({"--log.level=LOUD"});
  EXPECT_EQ(cl.exit_code, 2);
  cl = Parse({}, "LOUD");
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_NE(cl.output.find("VX11_OPERATOR_LOG_LEVEL"), std::string::npos);
}

TEST(CommandLineTest, BadConfigFileNamesFileAndLine) {
  const std::string path = ::testing::TempDir() + "/cl_bad.yml";
  std::ofstream(path) << "token:\n  ttl: forever\n";
  const auto cl = Parse({"--config.file", path.c_str()});
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_NE(cl.output.find(path + ":2: token.ttl:"), std::string::npos) << cl.output;
}

TEST(CommandLineTest, HelpAndUnknownFlag) {
  auto cl = Parse({"--help"});
  EXPECT_EQ(cl.exit_code, 0);
  EXPECT_NE(cl.output.find("--token.ttl"), std::string::npos);
  cl = Parse({"--no-such-flag"});
  EXPECT_NE(cl.exit_code.value_or(0), 0);
}

}  // namespace
}  // namespace vx11
