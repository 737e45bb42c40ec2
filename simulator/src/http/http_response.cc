#include "tokensim/http_response.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace tokensim {
namespace {

constexpr size_t kMaxHead = 64 * 1024;            // status line and headers
constexpr size_t kMaxBody = 64 * 1024 * 1024;     // a runaway peer is an error, not an OOM

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// True when the comma-separated header value lists `token` (case-insensitive).
bool ListHas(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (IEquals(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return out;
}

struct Head {
  long status = 0;
  size_t length = 0;  // of the head, blank line included
  std::optional<size_t> content_length;
  bool chunked = false;
  bool close = false;
  bool http10 = false;
  bool keep_alive = false;  // HTTP/1.0 with Connection: keep-alive
};

std::variant<Head, HttpResponseIncomplete, HttpResponseError> ReadHead(std::string_view buf, bool eof) {
  const size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (buf.size() > kMaxHead) return HttpResponseError{"response headers exceed 64 KiB"};
    if (eof) {
      return HttpResponseError{buf.empty() ? "connection closed before any response"
                                           : "connection closed in the response headers"};
    }
    return HttpResponseIncomplete{};
  }
  Head head;
  head.length = end + 4;
  std::string_view lines = buf.substr(0, end + 2);
  const size_t first_end = lines.find("\r\n");
  const std::string_view status_line = lines.substr(0, first_end);
  lines.remove_prefix(first_end + 2);
  // "HTTP/1.1 200 OK": version, a space, three digits, then a space or nothing.
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return HttpResponseError{"malformed status line: \"" + Printable(status_line) + "\""};
  }
  head.http10 = status_line[7] == '0';
  const std::string_view code = status_line.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return HttpResponseError{"malformed status line: \"" + Printable(status_line) + "\""};
  }
  std::from_chars(code.data(), code.data() + 3, head.status);
  while (!lines.empty()) {
    const size_t eol = lines.find("\r\n");
    const std::string_view line = lines.substr(0, eol);
    lines.remove_prefix(eol + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return HttpResponseError{"malformed header line: \"" + Printable(line) + "\""};
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (IEquals(name, "Content-Length")) {
      size_t n = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || p != value.data() + value.size() || value.empty()) {
        return HttpResponseError{"bad Content-Length: \"" + Printable(value) + "\""};
      }
      if (head.content_length && *head.content_length != n) {
        return HttpResponseError{"conflicting Content-Length headers"};
      }
      head.content_length = n;
    } else if (IEquals(name, "Transfer-Encoding")) {
      head.chunked = ListHas(value, "chunked");
    } else if (IEquals(name, "Connection")) {
      head.close = head.close || ListHas(value, "close");
      head.keep_alive = head.keep_alive || ListHas(value, "keep-alive");
    }
  }
  return head;
}

// Decodes a chunked body starting at `buf`; on success sets `consumed` to its framed length.
std::variant<std::string, HttpResponseIncomplete, HttpResponseError> ReadChunked(std::string_view buf,
                                                                                 size_t* consumed) {
  std::string body;
  size_t at = 0;
  while (true) {
    const size_t eol = buf.find("\r\n", at);
    if (eol == std::string_view::npos) {
      if (buf.size() - at > 1024) return HttpResponseError{"chunk size line too long"};
      return HttpResponseIncomplete{};
    }
    std::string_view size_text = buf.substr(at, eol - at);
    size_text = Trim(size_text.substr(0, size_text.find(';')));  // chunk extensions are ignored
    size_t size = 0;
    const auto [p, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || p != size_text.data() + size_text.size() || size_text.empty()) {
      return HttpResponseError{"bad chunk size: \"" + Printable(size_text) + "\""};
    }
    at = eol + 2;
    if (size == 0) {
      // Optional trailer fields, then the blank line that ends the message.
      while (true) {
        const size_t trailer_end = buf.find("\r\n", at);
        if (trailer_end == std::string_view::npos) return HttpResponseIncomplete{};
        const bool blank = trailer_end == at;
        at = trailer_end + 2;
        if (blank) break;
      }
      *consumed = at;
      return body;
    }
    if (body.size() + size > kMaxBody) return HttpResponseError{"response body exceeds 64 MiB"};
    if (buf.size() < at + size + 2) return HttpResponseIncomplete{};
    if (buf.substr(at + size, 2) != "\r\n") return HttpResponseError{"chunk not followed by CRLF"};
    body.append(buf.substr(at, size));
    at += size + 2;
  }
}

}  // namespace

HttpResponseResult ParseHttpResponse(std::string_view buffer, bool eof, bool head_request) {
  size_t skipped = 0;  // interim (1xx) responses before the final one
  while (true) {
    const std::string_view buf = buffer.substr(skipped);
    auto read = ReadHead(buf, eof);
    if (auto* e = std::get_if<HttpResponseError>(&read)) return *e;
    if (std::holds_alternative<HttpResponseIncomplete>(read)) return HttpResponseIncomplete{};
    const Head& head = std::get<Head>(read);
    if (head.status >= 100 && head.status < 200 && head.status != 101) {
      skipped += head.length;
      continue;
    }
    HttpResponse r;
    r.status = head.status;
    r.close = head.close || (head.http10 && !head.keep_alive);
    const std::string_view rest = buf.substr(head.length);
    if (head_request || head.status == 204 || head.status == 304 || head.status == 101) {
      r.consumed = skipped + head.length;
      r.close = r.close || head.status == 101;
      return r;
    }
    if (head.chunked) {
      size_t used = 0;
      auto body = ReadChunked(rest, &used);
      if (auto* e = std::get_if<HttpResponseError>(&body)) return *e;
      if (std::holds_alternative<HttpResponseIncomplete>(body)) {
        if (eof) return HttpResponseError{"connection closed in a chunked body"};
        return HttpResponseIncomplete{};
      }
      r.body = std::get<std::string>(std::move(body));
      r.consumed = skipped + head.length + used;
      return r;
    }
    if (head.content_length) {
      const size_t n = *head.content_length;
      if (n > kMaxBody) return HttpResponseError{"response body exceeds 64 MiB"};
      if (rest.size() < n) {
        if (eof) {
          return HttpResponseError{"connection closed after " + std::to_string(rest.size()) + " of " +
                                   std::to_string(n) + " body bytes"};
        }
        return HttpResponseIncomplete{};
      }
      r.body.assign(rest.substr(0, n));
      r.consumed = skipped + head.length + n;
      return r;
    }
    // No framing: the body is whatever arrives before the peer closes.
    if (rest.size() > kMaxBody) return HttpResponseError{"response body exceeds 64 MiB"};
    if (!eof) return HttpResponseIncomplete{};
    r.body.assign(rest);
    r.consumed = buffer.size();
    r.close = true;
    return r;
  }
}

}  // namespace tokensim
