// What each role may do, in one place (the README's role table is this):
//
//   role            sees (download)        may upload
//   inspector       own areas              observations other than monthly
//                                          reports, and entity edits other
//                                          than yearly tasks, in own areas,
//                                          as their own author
//   county officer  own areas              monthly reports of own areas, as
//                                          their own author, and the roster
//                                          of own areas (entity edits,
//                                          yearly tasks included)
//   reviewer        every county           reviews (accept, question,
//                                          reject) as their own author
//   admin           every county           entity edits (the roster)
//
// and every role that records observations (inspector, county officer) may
// upload an answer to a review of a record in its areas, as its own author;
// that it is the record's author is a rule of the record held
// (review_state.h, rule 8), checked with the other review rules.
//
// A change outside these rules is rejected with PERMISSION_DENIED and a
// reason; the server keeps only its hash (see sqlite_server_store.h).
#ifndef FIELDSYNC_SERVER_ACCESS_POLICY_H_
#define FIELDSYNC_SERVER_ACCESS_POLICY_H_

#include "absl/status/status.h"
#include "common/areas.h"
#include "fieldsync/v1/auth.pb.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

// The areas a role with `granted` areas sees.
AreaSet VisibleAreas(v1::Role role, const std::vector<std::string>& granted);

// OK if `user` in `role` seeing `areas` may upload `body`.
absl::Status CheckUpload(const std::string& user, v1::Role role,
                         const AreaSet& areas, const v1::ChangeBody& body);

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_ACCESS_POLICY_H_
