// The server's storage contract. The SQLite store (sqlite_server_store.h) is
// the embedded default; a PostgreSQL store can implement the same interface.
//
// Invariants every implementation keeps:
//  * ApplyBatch is atomic: the changes, their outcomes and the device's
//    high-water mark commit in one transaction, or nothing does.
//  * Exactly-once: a change whose device sequence is at or below the device's
//    high-water mark is not applied again; its original outcome is returned.
//  * The feed sequence (server_seq) is assigned in commit order, strictly
//    increasing, never reused; ReadFeed(after) returns every accepted change
//    with server_seq > after, in order.
// Implementations are thread-safe.
#ifndef FIELDSYNC_SERVER_SERVER_STORE_H_
#define FIELDSYNC_SERVER_SERVER_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/areas.h"
#include "common/roster_import.h"
#include "fieldsync/v1/records.pb.h"
#include "fieldsync/v1/sync.pb.h"

namespace fieldsync {

struct DeviceHello {
  std::string device_id;  // 16 bytes
  std::string label;
  std::string author;
  int64_t clock_offset_ms = 0;
  bool clock_flagged = false;
  int64_t now_ms = 0;
};

// One change of an upload, checked by the service before it reaches the
// store. `verdict` not OK means reject with that code and message.
struct PreparedChange {
  uint64_t device_seq = 0;
  uint64_t effective_hlc = 0;
  uint32_t flags = 0;  // ChangeFlag bits
  // Serialized ChangeBody, stored byte-exact. Points into the request,
  // which outlives ApplyBatch.
  absl::string_view body;
  absl::Status verdict;
  // Set when verdict is OK; owned by the caller (an arena per request).
  const v1::ChangeBody* parsed = nullptr;
  // A rejection the store must keep without the body (only its hash): a
  // change outside the caller's rights, of which nothing may be stored.
  bool withhold_body = false;
};

// Who sends a batch, for the audit trail.
struct BatchContext {
  std::string device_id;  // 16 bytes
  std::string actor;      // the user whose token the upload carried
  int64_t now_ms = 0;
};

struct StoreSummary {
  uint64_t changes = 0;
  uint64_t records = 0;
  uint64_t entities = 0;
  uint64_t conflicts = 0;
  uint64_t rejected = 0;
  uint64_t devices = 0;
  uint64_t feed_head = 0;
  std::string digest;  // StateDigest over all accepted changes
};

class ServerStore {
 public:
  virtual ~ServerStore() = default;

  // This store's id (16 bytes), made when the store was created.
  virtual const std::string& server_id() const = 0;

  // Registers the device or updates what is known of it. Returns its
  // high-water mark (0 for a new device).
  virtual absl::StatusOr<uint64_t> RegisterDevice(const DeviceHello& hello) = 0;

  // Applies `changes` (ascending device_seq) from a registered device.
  // FAILED_PRECONDITION: the device is not registered, or the first new
  // sequence is not high-water + 1 (a gap); nothing is stored then.
  // Otherwise one outcome per change, in order, and (when anything new was
  // decided) one audit row naming the actor, the device, the counts and the
  // server_seq range accepted, in the same transaction.
  // `*high_water` (if not null) gets the device's mark after the batch.
  virtual absl::StatusOr<std::vector<v1::ChangeOutcome>> ApplyBatch(
      const BatchContext& context, std::vector<PreparedChange>& changes,
      uint64_t* high_water) = 0;

  // Appends to `page` up to `limit` accepted changes with
  // after < server_seq <= up_to that `areas` covers, stopping early before
  // the page's serialized size would pass `max_bytes` (always at least one
  // entry: a single change is far smaller than any sane bound), and sets
  // page->last_seq: the last entry's sequence when the page is full (by
  // count or bytes), else `up_to` (everything up to it was looked at). Changes
  // made by `reader` (the device asking) come without their body: the device
  // has it, and needs only the confirmation.
  virtual absl::Status ReadFeed(uint64_t after, uint64_t up_to, uint32_t limit,
                                uint64_t max_bytes, const std::string& reader,
                                const AreaSet& areas,
                                v1::DownloadPage* page) = 0;

  virtual absl::StatusOr<uint64_t> FeedHead() = 0;
  virtual absl::StatusOr<StoreSummary> Summarize() = 0;
  // What the store holds of one roster entity (the winner of each field),
  // for a roster import planned on the server (server/roster_console.h).
  virtual absl::StatusOr<RosterEntity> LookupEntity(v1::EntityType type,
                                                    const std::string& id) = 0;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_SERVER_STORE_H_
