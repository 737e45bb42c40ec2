// StreamHub: the cap, the per-stream queue bound, the waker contract and shutdown.

#include "vx11/stream_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace vx11 {
namespace {

StreamHub::Options Small(std::vector<std::string>* dropped = nullptr) {
  StreamHub::Options o;
  o.max_streams = 2;
  o.max_queued_bytes = 100;
  if (dropped != nullptr) o.on_dropped = [dropped](const std::string& id) { dropped->push_back(id); };
  return o;
}

TEST(StreamHubTest, RefusesStreamsBeyondTheCapAndFreesSlotsOnClose) {
  StreamHub hub(Small());
  auto a = hub.TryOpen("a");
  auto b = hub.TryOpen("b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(hub.TryOpen("c"), nullptr);
  hub.Close(a);
  hub.Close(a);  // idempotent
  EXPECT_EQ(hub.open(), 1u);
  EXPECT_NE(hub.TryOpen("c"), nullptr);
}

TEST(StreamHubTest, TakeMovesEverythingQueued) {
  StreamHub hub(Small());
  auto s = hub.TryOpen("a");
  hub.Send("one ");
  hub.Send("two");
  std::string out;
  EXPECT_TRUE(s->Take(&out));
  EXPECT_EQ(out, "one two");
  EXPECT_TRUE(s->Take(&out));
  EXPECT_EQ(out, "");
}

TEST(StreamHubTest, WakerRunsOnceUntilTheNextTake) {
  StreamHub hub(Small());
  auto s = hub.TryOpen("a");
  int wakes = 0;
  s->SetWaker([&] { ++wakes; });
  hub.Send("x");
  hub.Send("y");
  EXPECT_EQ(wakes, 1);
  std::string out;
  s->Take(&out);
  hub.Send("z");
  EXPECT_EQ(wakes, 2);
}

TEST(StreamHubTest, QueueAtTheBoundIsKeptOneByteMoreDropsTheStreamOnce) {
  std::vector<std::string> dropped;
  StreamHub hub(Small(&dropped));
  auto s = hub.TryOpen("a");
  hub.Send(std::string(100, 'x'));  // exactly the bound
  EXPECT_TRUE(dropped.empty());
  EXPECT_FALSE(s->dropped());
  hub.Send("y");
  ASSERT_EQ(dropped, std::vector<std::string>{"a"});
  EXPECT_TRUE(s->dropped());
  hub.Send("z");  // counted once
  EXPECT_EQ(dropped.size(), 1u);
  std::string out = "stale";
  EXPECT_FALSE(s->Take(&out));
  EXPECT_EQ(out, "");  // nothing more is written to a dropped stream
}

TEST(StreamHubTest, BatchBeingWrittenCountsAgainstTheBound) {
  std::vector<std::string> dropped;
  StreamHub hub(Small(&dropped));
  auto s = hub.TryOpen("a");
  hub.Send(std::string(60, 'x'));
  std::string batch;
  s->Take(&batch);                 // 60 bytes on their way to the client
  hub.Send(std::string(40, 'y'));  // 100 in all: kept
  EXPECT_TRUE(dropped.empty());
  hub.Send("z");                   // 101: dropped
  EXPECT_EQ(dropped.size(), 1u);
}

TEST(StreamHubTest, TakingTheNextBatchReleasesTheLastOne) {
  std::vector<std::string> dropped;
  StreamHub hub(Small(&dropped));
  auto s = hub.TryOpen("a");
  std::string batch;
  for (int i = 0; i < 10; ++i) {
    hub.Send(std::string(90, 'x'));
    ASSERT_TRUE(s->Take(&batch));  // on its way to the client
    EXPECT_EQ(batch.size(), 90u);
    ASSERT_TRUE(s->Take(&batch));  // written: the transport asks for more
    EXPECT_EQ(batch, "");
  }
  EXPECT_TRUE(dropped.empty());
}

TEST(StreamHubTest, ShutdownQueuesFinalBytesClosesEveryStreamAndRefusesNewOnes) {
  StreamHub hub(Small());
  auto s = hub.TryOpen("a");
  hub.Shutdown("bye");
  std::string out;
  EXPECT_FALSE(s->Take(&out));
  EXPECT_EQ(out, "bye");
  EXPECT_EQ(hub.TryOpen("b"), nullptr);
}

TEST(StreamHubTest, BroadcastCountsStreamsAndNumbersEvents) {
  StreamHub hub(Small());
  auto a = hub.TryOpen("a");
  auto b = hub.TryOpen("b");
  uint64_t delivered = 0;
  EXPECT_EQ(hub.Broadcast("deploy", "{}", &delivered), 1u);
  EXPECT_EQ(delivered, 2u);
  EXPECT_EQ(hub.Broadcast("deploy", "{}", &delivered), 2u);
  std::string out;
  a->Take(&out);
  EXPECT_EQ(out, "id: 1\nevent: deploy\ndata: {}\n\nid: 2\nevent: deploy\ndata: {}\n\n");
}

TEST(StreamHubTest, ConcurrentPushesAndTakesLoseNothing) {
  StreamHub::Options o;
  o.max_streams = 1;
  o.max_queued_bytes = 1 << 20;
  StreamHub hub(o);
  auto s = hub.TryOpen("a");
  std::atomic<bool> done{false};
  size_t received = 0;
  std::thread reader([&] {
    std::string out;
    while (!done.load()) {
      s->Take(&out);
      received += out.size();
    }
    s->Take(&out);
    received += out.size();
  });
  std::thread writers[2];
  for (auto& w : writers) {
    w = std::thread([&] {
      for (int i = 0; i < 20000; ++i) hub.Send("x");
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  reader.join();
  EXPECT_EQ(received, 40000u);
}

}  // namespace
}  // namespace vx11
