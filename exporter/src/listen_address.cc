#include "listen_address.h"

#include <charconv>
#include <stdexcept>

namespace vx11 {

using tcp = boost::asio::ip::tcp;

tcp::endpoint ResolveListenAddress(boost::asio::io_context& ctx, const std::string& address) {
  const auto fail = [&](const std::string& why) {
    return std::runtime_error("cannot listen on \"" + address + "\": " + why);
  };
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) throw fail("expected host:port or :port");
  std::string host = address.substr(0, colon);
  const std::string port_text = address.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty()) {
    throw fail("the port must be a number from 0 to 65535");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return tcp::endpoint(tcp::v4(), static_cast<uint16_t>(port));
  boost::system::error_code rec;
  tcp::resolver resolver(ctx);
  const auto results = resolver.resolve(host, port_text, tcp::resolver::numeric_service, rec);
  if (rec || results.empty()) throw fail("cannot resolve \"" + host + "\"");
  return results.begin()->endpoint();
}

}  // namespace vx11
