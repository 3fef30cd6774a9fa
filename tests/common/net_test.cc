// Loopback detection decides where plaintext is allowed, so names that only
// look like loopback must not pass.
#include "common/net.h"

#include <gtest/gtest.h>

namespace fieldsync {
namespace {

TEST(NetTest, LoopbackAddressesAndTheNameLocalhost) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("[::1]"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_TRUE(IsLoopbackHost("LocalHost"));
}

TEST(NetTest, NamesThatOnlyLookLikeLoopbackAreNot) {
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.evil.example"));
  EXPECT_FALSE(IsLoopbackHost("127.example.org"));
  EXPECT_FALSE(IsLoopbackHost("localhost.example.org"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost("[::2]"));
  EXPECT_FALSE(IsLoopbackHost(""));
}

TEST(NetTest, SplitHostPort) {
  std::string host, port;
  ASSERT_TRUE(SplitHostPort("[::1]:7443", &host, &port).ok());
  EXPECT_EQ(host, "[::1]");
  EXPECT_EQ(port, "7443");
  ASSERT_TRUE(SplitHostPort("fieldsync.example.org:443", &host, &port).ok());
  EXPECT_EQ(host, "fieldsync.example.org");
  EXPECT_FALSE(SplitHostPort("no-port", &host, &port).ok());
  EXPECT_FALSE(SplitHostPort(":7443", &host, &port).ok());
  EXPECT_FALSE(SplitHostPort("host:", &host, &port).ok());
}

}  // namespace
}  // namespace fieldsync
