#pragma once
// What became of one HTTP request or stream attempt, as tokensim's clients report it.

#include <string>

namespace tokensim {

struct HttpOutcome {
  long status = 0;           // 0 when no HTTP response arrived
  std::string error;         // transport error text; empty when a response arrived
  std::string body;          // response body (for streams: up to the ready event)

  // What went wrong, for messages: the transport error, or "HTTP <status>".
  std::string Problem() const { return error.empty() ? "HTTP " + std::to_string(status) : error; }
};

}  // namespace tokensim
