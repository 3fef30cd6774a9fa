// The SQL of one page of the change feed for a reader's areas (ReadFeed in
// server_store.h), built apart from the store so its shape is tested without
// a database.
//
// Contract: every query selects, in this order, the columns
//   seq, device_id, device_seq, hlc, flags, body
// of the changes with ?1 < seq <= ?2, in seq order, at most ?3 of them. A
// reader who sees everything (areas.all) gets the unfiltered query and no
// codes. Otherwise the query also filters by area: the 6-character codes
// (counties) are matched against the change's county and every other code
// against its township, so a change is selected when some listed area covers
// it (AreaCovers in common/areas.h); a clause appears only for the kinds of
// code present, and with no code at all nothing is selected. Parameter
// kFeedFirstCodeParam + i is codes[i]: the counties first, then the
// townships, each in the order of areas.areas.
//
// Cost: the unfiltered query is prepared once by the store; a filtered one
// is built and prepared per page (its text depends on the number of codes).
#ifndef FIELDSYNC_SERVER_FEED_QUERY_H_
#define FIELDSYNC_SERVER_FEED_QUERY_H_

#include <string>
#include <vector>

#include "common/areas.h"

namespace fieldsync {

// The parameter of the first code (after ?1 after, ?2 up_to, ?3 limit).
inline constexpr int kFeedFirstCodeParam = 4;

struct FeedQuery {
  std::string sql;
  std::vector<std::string> codes;  // bound from ?kFeedFirstCodeParam on
};

FeedQuery BuildFeedQuery(const AreaSet& areas);

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_FEED_QUERY_H_
