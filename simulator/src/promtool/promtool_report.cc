#include "promtool_report.h"

#include <cstdint>

#include "vx11/duration.h"

namespace tokensim {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string_view TrimLeft(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

void AppendUtf8(uint32_t code, std::string* out) {
  if (code < 0x80) {
    *out += static_cast<char>(code);
  } else if (code < 0x800) {
    *out += static_cast<char>(0xC0 | (code >> 6));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    *out += static_cast<char>(0xE0 | (code >> 12));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (code >> 18));
    *out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Reads a Go-quoted string (strconv.Quote) at the start of `*text`, consuming it. Returns
// false if it is not one.
bool ReadGoQuoted(std::string_view* text, std::string* out) {
  std::string_view in = *text;
  if (in.empty() || in[0] != '"') return false;
  size_t i = 1;
  while (i < in.size() && in[i] != '"') {
    if (in[i] != '\\') {
      *out += in[i++];
      continue;
    }
    if (i + 1 >= in.size()) return false;
    const char kind = in[i + 1];
    i += 2;
    int hex_digits = 0;
    switch (kind) {
      case 'a':
        *out += '\a';
        break;
      case 'b':
        *out += '\b';
        break;
      case 'f':
        *out += '\f';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'r':
        *out += '\r';
        break;
      case 't':
        *out += '\t';
        break;
      case 'v':
        *out += '\v';
        break;
      case '\\':
        *out += '\\';
        break;
      case '"':
        *out += '"';
        break;
      case 'x':
        hex_digits = 2;
        break;
      case 'u':
        hex_digits = 4;
        break;
      case 'U':
        hex_digits = 8;
        break;
      default:
        return false;
    }
    if (hex_digits == 0) continue;
    if (i + hex_digits > in.size()) return false;
    uint32_t code = 0;
    for (int k = 0; k < hex_digits; ++k) {
      const char c = in[i + k];
      const int digit = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
      if (digit < 0) return false;
      code = code * 16 + static_cast<uint32_t>(digit);
    }
    i += hex_digits;
    if (kind == 'x') {
      *out += static_cast<char>(code);  // a raw byte, not a code point
    } else {
      AppendUtf8(code, out);
    }
  }
  if (i >= in.size()) return false;
  text->remove_prefix(i + 1);
  return true;
}

// `    expr: "<quoted>", time: <duration>,` with an optional ` err: <message>` after the comma.
std::optional<PromtoolFailure> ReadFailureHeader(std::string_view line) {
  constexpr std::string_view kExpr = "    expr: ";
  if (!StartsWith(line, kExpr)) return std::nullopt;
  std::string_view rest = line.substr(kExpr.size());
  PromtoolFailure failure;
  if (!ReadGoQuoted(&rest, &failure.expr)) return std::nullopt;
  constexpr std::string_view kTime = ", time: ";
  if (!StartsWith(rest, kTime)) return std::nullopt;
  rest.remove_prefix(kTime.size());
  const size_t comma = rest.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const auto time = vx11::ParseDuration(rest.substr(0, comma));
  if (!time) return std::nullopt;
  failure.time = *time;
  rest.remove_prefix(comma + 1);
  constexpr std::string_view kErr = " err: ";
  if (StartsWith(rest, kErr)) {
    failure.error = std::string(rest.substr(kErr.size()));
  } else if (!rest.empty()) {
    return std::nullopt;
  }
  return failure;
}

}  // namespace

PromtoolOutput ParsePromtoolOutput(std::string_view output) {
  PromtoolOutput parsed;
  // A query error's message may run over several lines; promtool ends each failure with a
  // blank line.
  bool in_error = false;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    const std::string_view line = output.substr(start, end - start);
    start = end + 1;

    const std::string_view trimmed = TrimLeft(line);
    if (trimmed.empty()) {
      in_error = false;
      continue;
    }
    if (auto failure = ReadFailureHeader(line)) {
      in_error = failure->error.has_value();
      parsed.failures.push_back(std::move(*failure));
      continue;
    }
    if (in_error) {
      *parsed.failures.back().error += "\n" + std::string(line);
      continue;
    }
    if (!parsed.failures.empty() && StartsWith(line, "        exp: ")) {
      parsed.failures.back().exp = std::string(line.substr(13));
    } else if (!parsed.failures.empty() && StartsWith(line, "        got: ")) {
      parsed.failures.back().got = std::string(line.substr(13));
    } else if (StartsWith(line, "Unit Testing: ") || trimmed == "FAILED:") {
      // headers
    } else if (trimmed == "SUCCESS") {
      parsed.success = true;
    } else if (StartsWith(trimmed, "WARNING:")) {
      parsed.warnings.emplace_back(trimmed);
    } else {
      parsed.other.emplace_back(trimmed);
    }
  }
  return parsed;
}

}  // namespace tokensim
