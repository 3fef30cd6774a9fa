// The public header stands alone: it brings no header of common/ and no
// libsodium (checked by compiling this file), and names no Abseil
// synchronization header (absl::Status itself brings absl's mutex through
// absl::Cord, which is absl's business, not the contract's), so the coming C
// API and app code see only the contract (issue 9).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "fieldsync/client.h"

#ifdef sodium_H
#error "fieldsync/client.h brings <sodium.h>"
#endif
#ifdef FIELDSYNC_COMMON_AREAS_H_
#error "fieldsync/client.h brings common/areas.h"
#endif
#ifdef FIELDSYNC_COMMON_CHANGE_HEADER_H_
#error "fieldsync/client.h brings common/change_header.h"
#endif
#ifdef FIELDSYNC_COMMON_CLOCK_H_
#error "fieldsync/client.h brings common/clock.h"
#endif
#ifdef FIELDSYNC_COMMON_DERIVED_STATE_H_
#error "fieldsync/client.h brings common/derived_state.h"
#endif
#ifdef FIELDSYNC_COMMON_HASH_H_
#error "fieldsync/client.h brings common/hash.h"
#endif
#ifdef FIELDSYNC_COMMON_HLC_H_
#error "fieldsync/client.h brings common/hlc.h"
#endif
#ifdef FIELDSYNC_COMMON_MERGE_H_
#error "fieldsync/client.h brings common/merge.h"
#endif
#ifdef FIELDSYNC_COMMON_NET_H_
#error "fieldsync/client.h brings common/net.h"
#endif
#ifdef FIELDSYNC_COMMON_RECORD_ID_H_
#error "fieldsync/client.h brings common/record_id.h"
#endif
#ifdef FIELDSYNC_COMMON_RECORD_KIND_H_
#error "fieldsync/client.h brings common/record_kind.h"
#endif
#ifdef FIELDSYNC_COMMON_REVISION_RULES_H_
#error "fieldsync/client.h brings common/revision_rules.h"
#endif
#ifdef FIELDSYNC_COMMON_SQLITE_DB_H_
#error "fieldsync/client.h brings common/sqlite_db.h"
#endif
#ifdef FIELDSYNC_COMMON_STATE_DIGEST_H_
#error "fieldsync/client.h brings common/state_digest.h"
#endif
#ifdef FIELDSYNC_COMMON_STATUS_MACROS_H_
#error "fieldsync/client.h brings common/status_macros.h"
#endif
#ifdef FIELDSYNC_COMMON_SYNC_TUNING_H_
#error "fieldsync/client.h brings common/sync_tuning.h"
#endif
#ifdef FIELDSYNC_COMMON_VALIDATE_H_
#error "fieldsync/client.h brings common/validate.h"
#endif
#ifdef FIELDSYNC_COMMON_WIRE_FORMAT_H_
#error "fieldsync/client.h brings common/wire_format.h"
#endif

namespace fieldsync {
namespace {

TEST(PublicApiTest, TypesAreUsableFromThePublicHeaderAlone) {
  ClientOptions options;
  options.home = "/nonexistent";
  EXPECT_EQ(options.clock, nullptr);  // the system clock
  EXPECT_GT(options.tuning.upload_batch, 0u);
  RecordView view;
  EXPECT_EQ(static_cast<int>(view.kind), 0);  // unknown
  Rejection rejection;
  EXPECT_EQ(static_cast<int>(rejection.kind), 0);
  EXPECT_STREQ(ChangeStateName(ChangeState::kRejected), "rejected");
}

TEST(PublicApiTest, PublicHeadersIncludeOnlyTheContract) {
  for (const char* name : {"client.h", "client_tuning.h"}) {
    SCOPED_TRACE(name);
    std::ifstream f(std::string(FIELDSYNC_SOURCE_DIR) +
                    "/client_core/include/fieldsync/" + name);
    ASSERT_TRUE(f.good());
    std::stringstream text;
    text << f.rdbuf();
    std::istringstream lines(text.str());
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("#include", 0) != 0) continue;
      EXPECT_EQ(line.find("common/"), std::string::npos) << line;
      EXPECT_EQ(line.find("client_core/"), std::string::npos) << line;
      EXPECT_EQ(line.find("absl/synchronization"), std::string::npos) << line;
      EXPECT_EQ(line.find("sodium"), std::string::npos) << line;
      EXPECT_EQ(line.find("grpc"), std::string::npos) << line;
    }
  }
}

TEST(PublicApiTest, OpeningAHomeThatIsNotSetUpIsFailedPrecondition) {
  ClientOptions options;
  options.home = "/nonexistent/fieldsync-home";
  auto client = Client::Open(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fieldsync
