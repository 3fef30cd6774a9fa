// The upload audit text in each of its shapes. The admin tool's `audit`
// output and the end-to-end tests read it, so it is pinned byte for byte.
#include "server/upload_audit.h"

#include <gtest/gtest.h>

namespace fieldsync {
namespace {

TEST(UploadAuditDetail, NothingAccepted) {
  EXPECT_EQ(UploadAuditDetail({.accepted = 0, .rejected = 3}),
            "accepted 0, rejected 3");
}

TEST(UploadAuditDetail, NothingAcceptedIgnoresTheFirstSeq) {
  EXPECT_EQ(UploadAuditDetail({.accepted = 0, .first_seq = 7, .rejected = 1}),
            "accepted 0, rejected 1");
}

TEST(UploadAuditDetail, NothingAcceptedAllDenied) {
  EXPECT_EQ(UploadAuditDetail({.accepted = 0, .rejected = 1, .denied = 1}),
            "accepted 0, rejected 1 (1 permission denied)");
}

TEST(UploadAuditDetail, OneAcceptedNamesOneSeq) {
  EXPECT_EQ(UploadAuditDetail({.accepted = 1, .first_seq = 3}),
            "accepted 1 (server_seq 3), rejected 0");
}

TEST(UploadAuditDetail, OneAcceptedOneDenied) {
  EXPECT_EQ(UploadAuditDetail(
                {.accepted = 1, .first_seq = 9, .rejected = 1, .denied = 1}),
            "accepted 1 (server_seq 9), rejected 1 (1 permission denied)");
}

TEST(UploadAuditDetail, ARangeAccepted) {
  EXPECT_EQ(UploadAuditDetail({.accepted = 8, .first_seq = 15}),
            "accepted 8 (server_seq 15-22), rejected 0");
}

TEST(UploadAuditDetail, ARangeWithRejectionsNoneDenied) {
  EXPECT_EQ(UploadAuditDetail({.accepted = 2, .first_seq = 1, .rejected = 2}),
            "accepted 2 (server_seq 1-2), rejected 2");
}

TEST(UploadAuditDetail, ARangeWithSomeRejectionsDenied) {
  EXPECT_EQ(
      UploadAuditDetail(
          {.accepted = 4, .first_seq = 100, .rejected = 3, .denied = 1}),
      "accepted 4 (server_seq 100-103), rejected 3 (1 permission denied)");
}

}  // namespace
}  // namespace fieldsync
