// Early-return helpers for absl::Status / absl::StatusOr. Debian's Abseil
// (20220623) ships no RETURN_IF_ERROR / ASSIGN_OR_RETURN, so these are ours.
#ifndef FIELDSYNC_COMMON_STATUS_MACROS_H_
#define FIELDSYNC_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FS_STATUS_CONCAT_INNER_(a, b) a##b
#define FS_STATUS_CONCAT_(a, b) FS_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define FS_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status fs_status_ = (expr);      \
    if (!fs_status_.ok()) return fs_status_; \
  } while (0)

// `lhs = value of expr` or returns its status. `lhs` may declare a variable:
//   FS_ASSIGN_OR_RETURN(auto db, Db::Open(path));
#define FS_ASSIGN_OR_RETURN(lhs, expr)                                      \
  FS_ASSIGN_OR_RETURN_IMPL_(FS_STATUS_CONCAT_(fs_statusor_, __LINE__), lhs, \
                            expr)
#define FS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // FIELDSYNC_COMMON_STATUS_MACROS_H_
