#include "vx11/token.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace vx11 {
namespace {

TEST(TokenIdTest, FormatsAsLowercaseUuid) {
  const TokenId id{0xbc3eceb70f3c4d5eULL, 0x9a1b2c3d4e5f6a7bULL};
  EXPECT_EQ(FormatTokenId(id), "bc3eceb7-0f3c-4d5e-9a1b-2c3d4e5f6a7b");
}

TEST(TokenIdTest, AppendWritesAfterWhatIsThere) {
  const TokenId id{0xbc3eceb70f3c4d5eULL, 0x9a1b2c3d4e5f6a7bULL};
  // Dashes sit at fixed places in the id, not in the string: a prefix of any length keeps them.
  std::string out = "{\"token\":\"";
  AppendTokenId(out, id);
  EXPECT_EQ(out, "{\"token\":\"bc3eceb7-0f3c-4d5e-9a1b-2c3d4e5f6a7b");
  AppendTokenId(out, TokenId{0, 0});
  EXPECT_EQ(out, "{\"token\":\"bc3eceb7-0f3c-4d5e-9a1b-2c3d4e5f6a7b"
                 "00000000-0000-0000-0000-000000000000");
}

TEST(TokenIdTest, ParseRoundTripsAndAcceptsUppercase) {
  const TokenId id = RandomTokenId();
  EXPECT_EQ(ParseTokenId(FormatTokenId(id)), id);
  EXPECT_EQ(ParseTokenId("BC3ECEB7-0F3C-4D5E-9A1B-2C3D4E5F6A7B"),
            (TokenId{0xbc3eceb70f3c4d5eULL, 0x9a1b2c3d4e5f6a7bULL}));
}

TEST(TokenIdTest, ParseRejectsAnythingButUuidForm) {
  EXPECT_FALSE(ParseTokenId(""));
  EXPECT_FALSE(ParseTokenId("bc3eceb70f3c4d5e9a1b2c3d4e5f6a7b"));
  EXPECT_FALSE(ParseTokenId("bc3eceb7-0f3c-4d5e-9a1b-2c3d4e5f6a7"));
  EXPECT_FALSE(ParseTokenId("bc3eceb7-0f3c-4d5e-9a1b-2c3d4e5f6a7bb"));
  EXPECT_FALSE(ParseTokenId("bc3eceb7_0f3c-4d5e-9a1b-2c3d4e5f6a7b"));
  EXPECT_FALSE(ParseTokenId("gc3eceb7-0f3c-4d5e-9a1b-2c3d4e5f6a7b"));
}

TEST(TokenIdTest, RandomIdsDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(FormatTokenId(RandomTokenId()));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(TokenIdSourceTest, IdsDifferAcrossBatchesAndThreads) {
  TokenIdSource source;
  // Four threads, each through several batches of 256 ids.
  std::vector<std::vector<TokenId>> drawn(4);
  std::vector<std::thread> threads;
  for (auto& ids : drawn) {
    threads.emplace_back([&source, &ids] {
      for (int i = 0; i < 1000; ++i) ids.push_back(source.Next());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  int zero = 0;
  for (const auto& ids : drawn) {
    for (const TokenId& id : ids) {
      seen.insert(FormatTokenId(id));
      zero += id == TokenId{};
    }
  }
  EXPECT_EQ(seen.size(), 4000u);
  EXPECT_EQ(zero, 0);  // a wiped slot is never handed out
}

TEST(TokenTest, ShortTokenShowsEightCharacters) {
  EXPECT_EQ(ShortToken("bc3eceb7-0f3c-4d5e-9a1b-2c3d4e5f6a7b"), "bc3eceb7...");
  EXPECT_EQ(ShortToken(""), "None");
}

TEST(Sha256Test, MatchesKnownDigestAndHexRoundTrips) {
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  const std::string hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(HexOf(Sha256Of("abc")), hex);
  EXPECT_EQ(ParseSha256Hex(hex), Sha256Of("abc"));
  EXPECT_FALSE(ParseSha256Hex("abc"));
  EXPECT_FALSE(ParseSha256Hex(std::string(64, 'z')));
}

TEST(PrincipalSetTest, AuthenticatesByTokenHash) {
  PrincipalSet set({{"ops", Sha256Of("ops-secret")}, {"ci", Sha256Of("ci-secret")}});
  EXPECT_EQ(set.Authenticate("ci-secret"), 1u);
  EXPECT_EQ(set.Authenticate("ops-secret"), 0u);
  EXPECT_EQ(set.Name(1), "ci");
  EXPECT_FALSE(set.Authenticate("ops-secreT"));
  EXPECT_FALSE(set.Authenticate(""));
}

TEST(PrincipalSetTest, RandomPrincipalTokensAreLongAndDistinct) {
  const std::string a = RandomPrincipalToken();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, RandomPrincipalToken());
}

}  // namespace
}  // namespace vx11
