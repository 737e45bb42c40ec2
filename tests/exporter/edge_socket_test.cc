// EdgeSocket::WaitReadable (exporter/src/edge_socket.h): a wait queued without a system call
// must still complete for data that arrives later, for data already there, for the peer's
// end of stream, and with operation_aborted when the socket is closed.

#include "edge_socket.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <optional>
#include <string>

namespace vx11 {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A connected pair over loopback: `ours` an EdgeSocket in non-blocking mode, `peer` blocking.
struct Pair {
  asio::io_context ctx{1};
  tcp::socket peer{ctx};
  std::optional<EdgeSocket> ours;

  Pair() {
    tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    peer.connect(acceptor.local_endpoint());
    ours.emplace(acceptor.accept());
    ours->non_blocking(true);
  }

  // Reads what is there; the wait that preceded it said there would be something.
  std::string Drain() {
    std::string out;
    char buf[256];
    for (;;) {
      boost::system::error_code ec;
      const size_t n = ours->read_some(asio::buffer(buf), ec);
      if (ec) break;
      out.append(buf, n);
    }
    return out;
  }
};

TEST(EdgeSocketTest, AWaitAfterADrainedReadCompletesWhenDataArrives) {
  Pair p;
  EXPECT_EQ(p.Drain(), "");  // nothing yet: drained
  std::optional<boost::system::error_code> waited;
  p.ours->WaitReadable([&](boost::system::error_code ec) { waited = ec; });
  // The wait is queued, not done: nothing has arrived.
  p.ctx.poll();
  EXPECT_FALSE(waited.has_value());
  asio::write(p.peer, asio::buffer(std::string("GET / HTTP/1.1\r\n")));
  p.ctx.run_one();
  ASSERT_TRUE(waited.has_value());
  EXPECT_FALSE(*waited) << waited->message();
  EXPECT_EQ(p.Drain(), "GET / HTTP/1.1\r\n");
}

TEST(EdgeSocketTest, EachLaterArrivalCompletesTheNextWait) {
  Pair p;
  for (int i = 0; i < 5; ++i) {
    std::optional<boost::system::error_code> waited;
    p.ctx.restart();  // the last round's completion left it out of work, hence stopped
    p.ours->WaitReadable([&](boost::system::error_code ec) { waited = ec; });
    p.ctx.poll();
    ASSERT_FALSE(waited.has_value()) << "round " << i;
    const std::string msg = "request " + std::to_string(i);
    asio::write(p.peer, asio::buffer(msg));
    p.ctx.run_one();
    ASSERT_TRUE(waited.has_value()) << "round " << i;
    EXPECT_FALSE(*waited);
    EXPECT_EQ(p.Drain(), msg);
  }
}

TEST(EdgeSocketTest, DataAlreadyThereCompletesTheWait) {
  Pair p;
  asio::write(p.peer, asio::buffer(std::string("early")));
  // Not read: the kernel reports the socket readable at the reactor's next poll.
  std::optional<boost::system::error_code> waited;
  p.ours->WaitReadable([&](boost::system::error_code ec) { waited = ec; });
  p.ctx.run_one();
  ASSERT_TRUE(waited.has_value());
  EXPECT_FALSE(*waited);
  EXPECT_EQ(p.Drain(), "early");
}

TEST(EdgeSocketTest, ThePeersEndOfStreamCompletesTheWaitAndTheReadSaysEof) {
  Pair p;
  EXPECT_EQ(p.Drain(), "");
  std::optional<boost::system::error_code> waited;
  p.ours->WaitReadable([&](boost::system::error_code ec) { waited = ec; });
  p.ctx.poll();
  ASSERT_FALSE(waited.has_value());
  p.peer.shutdown(tcp::socket::shutdown_send);
  p.ctx.run_one();
  ASSERT_TRUE(waited.has_value());
  EXPECT_FALSE(*waited);
  char c;
  boost::system::error_code ec;
  p.ours->read_some(asio::buffer(&c, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST(EdgeSocketTest, ClosingTheSocketAbortsTheWait) {
  Pair p;
  std::optional<boost::system::error_code> waited;
  p.ours->WaitReadable([&](boost::system::error_code ec) { waited = ec; });
  p.ctx.poll();
  ASSERT_FALSE(waited.has_value());
  p.ours->close();
  p.ctx.run_one();
  ASSERT_TRUE(waited.has_value());
  EXPECT_EQ(*waited, asio::error::operation_aborted);
}

TEST(EdgeSocketTest, AWaitOnAClosedSocketFailsAtOnce) {
  Pair p;
  p.ours->close();
  std::optional<boost::system::error_code> waited;
  p.ours->WaitReadable([&](boost::system::error_code ec) { waited = ec; });
  p.ctx.run_one();
  ASSERT_TRUE(waited.has_value());
  EXPECT_TRUE(*waited);
}

}  // namespace
}  // namespace vx11
