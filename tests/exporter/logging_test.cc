// EscapeForLog and the logger built on it: a log line is always one line.

#include "vx11/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace vx11 {
namespace {

TEST(EscapeForLogTest, PrintableAsciiAndUtf8PassUnchanged) {
  EXPECT_EQ(EscapeForLog("token=bc3eceb7... source=query"), "token=bc3eceb7... source=query");
  EXPECT_EQ(EscapeForLog("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82");
  EXPECT_EQ(EscapeForLog(""), "");
}

TEST(EscapeForLogTest, LineBreaksAndTabsBecomeBackslashEscapes) {
  EXPECT_EQ(EscapeForLog("a\nb\rc\td"), "a\\nb\\rc\\td");
}

TEST(EscapeForLogTest, OtherControlBytesBecomeHex) {
  EXPECT_EQ(EscapeForLog(std::string("\x1b[31m\x00\x7f", 7)), "\\x1b[31m\\x00\\x7f");
  EXPECT_EQ(EscapeForLog("\xc2\x9b"), "\\xc2\\x9b");  // C1 CSI
  EXPECT_EQ(EscapeForLog("\xc2\xa0"), "\xc2\xa0");    // U+00A0 is printable
}

TEST(EscapeForLogTest, MalformedUtf8BecomesHexPerByte) {
  EXPECT_EQ(EscapeForLog("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(EscapeForLog("\xc0\xaf"), "\\xc0\\xaf");          // overlong '/'
  EXPECT_EQ(EscapeForLog("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(EscapeForLog("\xe2\x82"), "\\xe2\\x82");          // truncated at the end
  EXPECT_EQ(EscapeForLog("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
}

TEST(EscapeForLogTest, ResultHasNoControlBytesForAnyByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (char c : EscapeForLog(all)) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
}

TEST(LoggerTest, ForgedLineBreakStaysOnOneLine) {
  ManualClock clock(WallTime(std::chrono::seconds(1767470400)));
  std::ostringstream out;
  auto log = MakeLogger(clock, LogLevel::kInfo,
                        std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  log->warn("token={}", "x\n2099-01-01T00:00:00.000+00:00 ERROR forged");
  EXPECT_EQ(out.str(),
            "2026-01-03T20:00:00.000+00:00 WARNING operator_backend: "
            "token=x\\n2099-01-01T00:00:00.000+00:00 ERROR forged\n");
}

}  // namespace
}  // namespace vx11
