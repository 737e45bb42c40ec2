// Fuzz target: raw request bytes through the server's request handling — Beast's parser with
// the server's limits, the server's framing rules, target decoding and the service call —
// exactly as a socket feeds them (http_framing.h, which the server uses), minus the socket.
// One service for the whole run, on a manual clock, so state (tokens, streams, counters)
// accumulates across inputs as it would across a server's connections.
// Properties, on any bytes:
// - no exception escapes and the process does not end;
// - the first answer, when there is one, is a well-formed HTTP/1.x status line, and never a
//   500 (a 500 is an exception the service did not expect);
// - a JSON answer parses as JSON;
// - a log line never holds a control byte or a line break besides its own end.

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdint>
#include <memory>
#include <sstream>
#include <string>

#include "fuzz_check.h"
#include "http_framing.h"
#include "vx11/logging.h"
#include "vx11/operator_service.h"

namespace {

struct World {
  World()
      : clock(vx11::WallTime(std::chrono::seconds(1767470400))),
        service(Config(), clock,
                vx11::MakeLogger(clock, vx11::LogLevel::kDebug,
                                 std::make_shared<spdlog::sinks::ostream_sink_st>(logs))) {}
  static vx11::ServiceConfig Config() {
    vx11::ServiceConfig c;
    c.principals = {{"ops", vx11::Sha256Of("fuzz-principal")}};
    c.max_body_bytes = 4096;
    c.max_streams = 4;
    return c;
  }
  std::ostringstream logs;
  vx11::ManualClock clock;
  vx11::OperatorService service;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();  // one service for the run; never destroyed
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string answer = vx11::http_framing::AnswerOnce(bytes, world->service);
  world->clock.Advance(std::chrono::milliseconds(size % 2000));  // let tokens age and expire

  if (!answer.empty()) {
    FUZZ_CHECK(answer.rfind("HTTP/1.", 0) == 0);
    FUZZ_CHECK(answer.size() >= 12 && answer[8] == ' ');
    const int status = std::stoi(answer.substr(9, 3));
    FUZZ_CHECK(status >= 100 && status <= 599);
    FUZZ_CHECK(status != 500);
    const size_t head_end = answer.find("\r\n\r\n");
    FUZZ_CHECK(head_end != std::string::npos);
    if (answer.find("Content-Type: application/json\r\n") < head_end) {
      const auto body = nlohmann::json::parse(answer.substr(head_end + 4), nullptr, false);
      FUZZ_CHECK(!body.is_discarded());
    }
  }

  const std::string logs = world->logs.str();
  for (size_t i = 0; i < logs.size(); ++i) {
    const auto c = static_cast<unsigned char>(logs[i]);
    FUZZ_CHECK(c >= 0x20 || c == '\n');
    if (c == '\n' && i + 1 < logs.size()) FUZZ_CHECK(logs.compare(i + 1, 4, "2026") == 0);
  }
  world->logs.str("");
  return 0;
}
