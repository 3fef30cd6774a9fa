// Every sync tuning value of the protocol and the server in one place, each
// with its trade-off. Tests and benchmarks change them through the structs;
// the defaults are what ships. The device's own knobs (batch sizes it sends,
// page size it asks for, deadlines) are part of the client core's public
// API: ClientTuning in client_core/include/fieldsync/client_tuning.h.
#ifndef FIELDSYNC_COMMON_SYNC_TUNING_H_
#define FIELDSYNC_COMMON_SYNC_TUNING_H_

#include <cstdint>

namespace fieldsync {

// Largest serialized ChangeBody. A record is text; 256 KiB is pages of
// notes. The device refuses to save a bigger one (so it never sits in the
// outbox), the server rejects it (RESOURCE_EXHAUSTED for that change).
inline constexpr uint32_t kDefaultMaxChangeBodyBytes = 256 * 1024;

struct ServerLimits {
  // Changes per Upload call. Larger batches amortise the round trip and the
  // commit (one transaction per call); smaller ones lose less work when a
  // connection drops mid-call and keep server memory per call bounded.
  uint32_t max_changes_per_upload = 4096;
  // Bytes per Upload message (gRPC max receive size). A photo never travels in
  // a record (attachments are a separate, chunked path), so 8 MiB holds a
  // full batch of ~2 KiB records with room to spare; beyond it the call fails
  // with RESOURCE_EXHAUSTED before any of it is read.
  uint32_t max_upload_bytes = 8 * 1024 * 1024;
  // Largest serialized ChangeBody (see kDefaultMaxChangeBodyBytes).
  uint32_t max_change_body_bytes = kDefaultMaxChangeBodyBytes;
  // Entries per Download page, and the cap on what a device may ask for.
  // A page is one client transaction: bigger pages commit less often but
  // redo more after a broken connection.
  uint32_t default_page_size = 2000;
  uint32_t max_page_size = 10000;
  // A page also ends before its serialized size (bodies, entry fields and
  // framing) would pass this many bytes (it holds at least one entry, and
  // one entry is at most kDefaultMaxChangeBodyBytes plus a few dozen bytes).
  // 3 MiB keeps every page well under the 4 MiB that gRPC clients in every
  // language accept by default, so a county's devices never meet a page they
  // cannot receive, whatever the bodies; pages of small records end by count
  // long before.
  uint64_t max_page_bytes = 3 * 1024 * 1024;
  // How far ahead of server time a change's HLC may be. Beyond it the HLC is
  // lowered to server time + this bound and the change is flagged. Too small
  // flags honest devices with sloppy clocks; too large lets a fast clock win
  // merges for that long. 5 minutes: phone clocks set by the network are
  // within seconds; a manually set wrong clock is hours or days off.
  int64_t max_clock_skew_ms = 5 * 60 * 1000;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_SYNC_TUNING_H_
