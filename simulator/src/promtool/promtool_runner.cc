#include "tokensim/promtool_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

#include "promtool_report.h"
#include "recorded_series.h"
#include "text_numbers.h"

extern char** environ;

namespace tokensim {
namespace {

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int Get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

RunError Errno(const std::string& what) { return RunError{what + ": " + std::strerror(errno)}; }

// The timeout is a kernel timer the poll loop waits on, so nothing here reads a clock.
bool ArmTimer(int timer, Millis timeout) {
  itimerspec spec{};
  spec.it_value.tv_sec = timeout.count() / 1000;
  spec.it_value.tv_nsec = (timeout.count() % 1000) * 1000000;
  return timerfd_settime(timer, 0, &spec, nullptr) == 0;
}

// The exit code, or -1 when there is none to trust (ended by a signal, or not waitable).
int WaitForExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool SameValue(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// The value at the end of a printed sample ("{} 6E+02" -> 600); nullopt if unreadable.
std::optional<double> PrintedValue(std::string_view sample) {
  const size_t space = sample.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  double value = 0;
  if (ParseFloat(sample.substr(space + 1), &value) != NumberStatus::kOk) return std::nullopt;
  return value;
}

// Whether promtool's `exp:` text is this check's expected result.
bool ExpectsThis(const Check& check, std::string_view exp) {
  if (exp == "nil") return check.expects_nothing;
  const std::optional<double> value = PrintedValue(exp);
  return !check.expects_nothing && value && SameValue(*value, check.result_value);
}

std::string PassedActual(const Check& check) {
  switch (check.kind) {
    case CheckKind::kFiring:
      return "firing";
    case CheckKind::kNotFiring:
      return "not firing";
    case CheckKind::kNeverFires:
      return "never fired";
    case CheckKind::kDetect:
      return "first firing in the window";
    case CheckKind::kEquals:
    case CheckKind::kIsNaN:
      break;
  }
  return check.expected.substr(check.expected.find(' ') + 1);  // "== 5" -> "5"
}

// "{samples=\"3\"} 1E+00" -> "3 samples": how the checks of expressions report a result of
// more than one sample.
std::optional<std::string> SeveralSamples(std::string_view got) {
  constexpr std::string_view kSamples = "{samples=\"";
  if (got.substr(0, kSamples.size()) != kSamples) return std::nullopt;
  const size_t end = got.find('"', kSamples.size());
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(got.substr(kSamples.size(), end - kSamples.size())) + " samples";
}

std::string FailedActual(const Check& check, const PromtoolFailure& failure) {
  if (failure.error) return "error: " + *failure.error;
  const std::string& got = failure.got;
  switch (check.kind) {
    case CheckKind::kFiring:
      if (got.rfind("{alertname=", 0) == 0) return "not firing";
      break;
    case CheckKind::kNotFiring:
      if (got == "nil") return "firing";
      break;
    case CheckKind::kNeverFires:
      if (got == "nil") return "fired at some evaluation";
      break;
    case CheckKind::kDetect:
      if (got == "nil") return "fired before the incident, or not by the window's end";
      if (got.rfind("{alertname=", 0) == 0) return "not firing by the window's end";
      break;
    case CheckKind::kEquals:
    case CheckKind::kIsNaN: {
      if (got == "nil") return "no data";
      if (auto several = SeveralSamples(got)) return *several;
      const std::optional<double> value = PrintedValue(got);
      if (got.rfind("{} ", 0) != 0 || !value) break;
      if (check.kind == CheckKind::kEquals) return ShortestDecimal(*value);
      return *value == 0 ? "a number, not NaN" : "NaN";
    }
  }
  return "unexpected result: " + got;
}

}  // namespace

std::variant<ProcessResult, RunError> RunProcess(const std::vector<std::string>& argv,
                                                 Millis timeout) {
  if (argv.empty()) return RunError{"no command given"};
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Errno("pipe2");
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);
  const bool timed = timeout.count() > 0;
  Fd timer(timed ? timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC) : -1);
  if (timed && (timer.Get() < 0 || !ArmTimer(timer.Get(), timeout))) return Errno("timerfd");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.Get(), 1);
  posix_spawn_file_actions_adddup2(&actions, write_end.Get(), 2);
  // Nothing else of ours: a socket is inherited by whatever is spawned while it is open unless
  // it was made close-on-exec, and Asio's accepted sockets and libcurl's are not. A child
  // holding a copy keeps the connection open after we close it, so the peer sees no hang-up
  // until the child exits (a stream's end, a restart's closed connections).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // The child starts with default signal handling and nothing blocked, whatever the threads of
  // this process have set up.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return RunError{"cannot run " + argv[0] + ": " + std::strerror(spawned)};
  write_end.Reset();  // so that the read end sees EOF when the child is done

  ProcessResult result;
  char buffer[8192];
  while (true) {
    pollfd fds[2] = {{read_end.Get(), POLLIN, 0}, {timer.Get(), POLLIN, 0}};
    const int ready = poll(fds, timed ? 2 : 1, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      const RunError error = Errno("poll");
      kill(pid, SIGKILL);
      WaitForExit(pid);
      return error;
    }
    if (timed && (fds[1].revents & POLLIN) != 0) {
      kill(pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    const ssize_t n = read(read_end.Get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  result.exit_code = WaitForExit(pid);
  return result;
}

std::variant<PromtoolReport, RunError> RunPromtoolTests(const std::string& test_file,
                                                        const std::string& scenario,
                                                        const std::vector<Check>& checks,
                                                        const PromtoolOptions& options) {
  auto run = RunProcess({options.promtool, "test", "rules", test_file}, options.timeout);
  if (auto* error = std::get_if<RunError>(&run)) return *error;
  PromtoolReport report;
  report.process = std::get<ProcessResult>(std::move(run));
  report.verdicts = VerdictsFromOutput(scenario, checks, report.process);
  return report;
}

std::vector<Verdict> VerdictsFromOutput(const std::string& scenario,
                                        const std::vector<Check>& checks,
                                        const ProcessResult& process) {
  const PromtoolOutput parsed = ParsePromtoolOutput(process.output);
  std::vector<const PromtoolFailure*> failure_of(checks.size(), nullptr);
  std::string reason;  // why checks without a failure of their own cannot count as passed

  for (const PromtoolFailure& failure : parsed.failures) {
    std::vector<size_t> same_test;
    for (size_t i = 0; i < checks.size(); ++i) {
      if (checks[i].promql == failure.expr && checks[i].eval_time == failure.time) {
        same_test.push_back(i);
      }
    }
    std::vector<size_t> matched;
    if (!failure.error) {
      for (size_t i : same_test) {
        if (ExpectsThis(checks[i], failure.exp)) matched.push_back(i);
      }
    }
    if (matched.empty()) matched = same_test;  // cannot tell them apart: all failed
    if (matched.empty() && reason.empty()) {
      reason = "a failure no check accounts for: " + failure.expr;
    }
    for (size_t i : matched) failure_of[i] = &failure;
  }
  if (process.timed_out) {
    reason = "timed out";
  } else if (!parsed.warnings.empty()) {
    reason = parsed.warnings.front();
  } else if (!parsed.other.empty()) {
    reason = parsed.other.front();
  } else if (process.exit_code != 0 && parsed.failures.empty() && reason.empty()) {
    reason = "exit code " + std::to_string(process.exit_code) + " without a reported failure";
  } else if (process.exit_code == 0 && !parsed.success && reason.empty()) {
    reason = "no SUCCESS in its output";
  }

  std::vector<Verdict> verdicts;
  verdicts.reserve(checks.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    const Check& check = checks[i];
    Verdict verdict{scenario, check.subject, check.time, check.expected, "", false};
    if (!check.cannot_hold.empty()) {
      verdict.actual = check.cannot_hold;
    } else if (process.timed_out) {
      verdict.actual = "promtool failed: " + reason;
    } else if (failure_of[i] != nullptr) {
      verdict.actual = FailedActual(check, *failure_of[i]);
    } else if (!reason.empty()) {
      verdict.actual = "promtool failed: " + reason;
    } else {
      verdict.actual = PassedActual(check);
      verdict.passed = true;
    }
    verdicts.push_back(std::move(verdict));
  }
  return verdicts;
}

}  // namespace tokensim
