#include "server/upload_audit.h"

#include "absl/strings/str_cat.h"

namespace fieldsync {

std::string UploadAuditDetail(const UploadTally& tally) {
  std::string detail = absl::StrCat("accepted ", tally.accepted);
  if (tally.accepted == 1) {
    absl::StrAppend(&detail, " (server_seq ", tally.first_seq, ")");
  } else if (tally.accepted > 1) {
    absl::StrAppend(&detail, " (server_seq ", tally.first_seq, "-",
                    tally.first_seq + tally.accepted - 1, ")");
  }
  absl::StrAppend(&detail, ", rejected ", tally.rejected);
  if (tally.denied > 0) {
    absl::StrAppend(&detail, " (", tally.denied, " permission denied)");
  }
  return detail;
}

}  // namespace fieldsync
