#include "server/feed_query.h"

#include "absl/strings/str_cat.h"

namespace fieldsync {
namespace {

constexpr char kSelect[] =
    "SELECT seq, device_id, device_seq, hlc, flags, body, received_ms "
    "FROM changes "
    "WHERE seq > ?1 AND seq <= ?2";
constexpr char kOrder[] = " ORDER BY seq LIMIT ?3";
constexpr size_t kCountyCodeLength = 6;

// Appends "`column` IN (?p,...)": the parameters of codes [first, end).
void AppendInList(std::string* sql, const char* column, size_t first,
                  size_t end) {
  absl::StrAppend(sql, column, " IN (");
  for (size_t i = first; i < end; ++i) {
    absl::StrAppend(sql, i == first ? "?" : ",?", kFeedFirstCodeParam + i);
  }
  absl::StrAppend(sql, ")");
}

}  // namespace

FeedQuery BuildFeedQuery(const AreaSet& areas) {
  FeedQuery q;
  if (areas.all) {
    q.sql = absl::StrCat(kSelect, kOrder);
    return q;
  }
  for (const std::string& a : areas.areas) {
    if (a.size() == kCountyCodeLength) q.codes.push_back(a);
  }
  const size_t counties = q.codes.size();
  for (const std::string& a : areas.areas) {
    if (a.size() != kCountyCodeLength) q.codes.push_back(a);
  }
  // A clause only for the kinds of code present, so a county-only reader
  // pays one IN test.
  q.sql = absl::StrCat(kSelect, " AND (");
  if (q.codes.empty()) q.sql += "0";
  if (counties > 0) AppendInList(&q.sql, "county", 0, counties);
  if (counties > 0 && q.codes.size() > counties) q.sql += " OR ";
  if (q.codes.size() > counties) {
    AppendInList(&q.sql, "township", counties, q.codes.size());
  }
  absl::StrAppend(&q.sql, ")", kOrder);
  return q;
}

}  // namespace fieldsync
