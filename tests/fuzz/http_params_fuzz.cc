// Fuzz target: what the service reads out of a request's query string and Authorization
// header, and the error bodies that may quote a request (vx11/http_types.h).
// Input: "<name>\0<text>", or just <text> with the name "token" (the stream endpoint's
// parameter). <text> is used as the query string and as the Authorization header.
// Properties, on any bytes:
// - QueryParam never returns more bytes than the query holds;
// - a value percent-encoded (spaces as '+' or %20) under `name` decodes back to itself, and
//   the first occurrence wins over later ones;
// - BearerToken returns "" or a credential found verbatim in the header, without surrounding
//   spaces, and only for the Bearer scheme (any case); BearerToken("Bearer " + t) is t
//   without surrounding spaces;
// - JsonError never throws and its body is JSON with exactly the "error" and "detail" keys.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vx11/http_types.h"

namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Percent-encodes every byte outside RFC 3986's unreserved set; spaces alternate between '+'
// and %20 so that both spellings are exercised.
std::string Encode(std::string_view value) {
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  int spaces = 0;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out += ch;
    } else if (c == ' ' && spaces++ % 2 == 0) {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

bool StartsWithBearerScheme(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = header[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return false;
  }
  return true;
}

void CheckQueryParam(std::string_view name, std::string_view text) {
  FUZZ_CHECK(vx11::QueryParam(text, name).size() <= text.size());

  // A name with '&' or '=' cannot be written as a key; an empty one would match "=x" pairs.
  if (name.empty() || name.find_first_of("&=") != std::string_view::npos) return;
  const std::string encoded = Encode(text);
  const std::string other = name == "a" ? "b" : "a";
  const std::string query =
      other + "=1&" + std::string(name) + "=" + encoded + "&" + std::string(name) + "=later";
  FUZZ_CHECK(vx11::QueryParam(query, name) == text);
  FUZZ_CHECK(vx11::QueryParam(std::string(name) + "=" + encoded, name) == text);
  FUZZ_CHECK(vx11::QueryParam(query, other) == "1");
}

void CheckBearerToken(std::string_view header) {
  const std::string_view token = vx11::BearerToken(header);
  if (!token.empty()) {
    FUZZ_CHECK(StartsWithBearerScheme(header));
    // A view into the header itself.
    FUZZ_CHECK(token.data() >= header.data() &&
               token.data() + token.size() <= header.data() + header.size());
    FUZZ_CHECK(TrimSpaces(token) == token);
  }
  const std::string_view expected = TrimSpaces(header);
  FUZZ_CHECK(vx11::BearerToken("Bearer " + std::string(header)) == expected);
  FUZZ_CHECK(vx11::BearerToken("bEaReR " + std::string(header)) == expected);
  FUZZ_CHECK(vx11::BearerToken("Basic " + std::string(header)).empty());
}

void CheckJsonError(std::string_view text) {
  const vx11::HttpResponse response = vx11::JsonError(400, "bad_request", text);
  FUZZ_CHECK(response.status == 400);
  const auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(body.is_object() && body.size() == 2);
  FUZZ_CHECK(body.contains("error") && body["error"] == "bad_request");
  FUZZ_CHECK(body.contains("detail") && body["detail"].is_string());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view name = "token";
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    name = text.substr(0, nul);
    text.remove_prefix(nul + 1);
  }
  CheckQueryParam(name, text);
  CheckBearerToken(text);
  CheckJsonError(text);
  return 0;
}
