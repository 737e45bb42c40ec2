#include "vx11/logging.h"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "vx11/time_format.h"

namespace vx11 {
namespace {

spdlog::level::level_enum SpdLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarning: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return "DEBUG";
    case spdlog::level::info: return "INFO";
    case spdlog::level::warn: return "WARNING";
    case spdlog::level::err: return "ERROR";
    default: return "CRITICAL";
  }
}

class ClockFormatter final : public spdlog::formatter {
 public:
  explicit ClockFormatter(const Clock& clock) : clock_(clock) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string stamp = FormatRfc3339Millis(clock_.WallNow());
    dest.append(stamp.data(), stamp.data() + stamp.size());
    dest.push_back(' ');
    const std::string_view level = LevelName(msg.level);
    dest.append(level.data(), level.data() + level.size());
    dest.push_back(' ');
    dest.append(msg.logger_name.data(), msg.logger_name.data() + msg.logger_name.size());
    dest.push_back(':');
    dest.push_back(' ');
    dest.append(msg.payload.data(), msg.payload.data() + msg.payload.size());
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<ClockFormatter>(clock_);
  }

 private:
  const Clock& clock_;
};

}  // namespace

std::shared_ptr<spdlog::logger> MakeLogger(const Clock& clock, LogLevel level,
                                           spdlog::sink_ptr sink) {
  if (!sink) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("operator_backend", std::move(sink));
  logger->set_formatter(std::make_unique<ClockFormatter>(clock));
  logger->set_level(SpdLevel(level));
  logger->flush_on(spdlog::level::debug);
  return logger;
}

}  // namespace vx11
