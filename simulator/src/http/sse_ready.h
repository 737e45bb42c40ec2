#pragma once
// When an event stream's answer has said it is open. Private to the http library (HttpLoad's
// libcurl streams and StreamClient).

#include <string_view>

namespace tokensim {

// The ready event is complete once its blank line has arrived.
inline bool HasReadyEvent(std::string_view body) {
  const size_t at = body.find("event: ready\n");
  return at != std::string_view::npos && body.find("\n\n", at) != std::string_view::npos;
}

}  // namespace tokensim
