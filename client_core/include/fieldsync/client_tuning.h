// The device's sync knobs, each with its trade-off: part of the client
// core's public API (ClientOptions::tuning). The server's limits and the
// protocol's constants are in common/sync_tuning.h; where a value here meets
// one there (a batch bigger than the server takes), the server's wins.
#ifndef FIELDSYNC_CLIENT_TUNING_H_
#define FIELDSYNC_CLIENT_TUNING_H_

#include <cstdint>

namespace fieldsync {

struct ClientTuning {
  // Changes per upload batch; the server's limit wins if lower. Larger
  // batches mean fewer commits on the server (each one an fsync); smaller
  // ones resend less after a broken connection.
  uint32_t upload_batch = 4096;
  // The first batch of an upload; each next one doubles, up to upload_batch.
  // Small first batches start the server storing early (the stream is a
  // pipeline); large later ones commit rarely.
  uint32_t first_upload_batch = 512;
  // Batches sent before their answers arrive. 2 keeps the device reading the
  // next batch while the server commits this one; more only adds memory.
  uint32_t upload_window = 2;
  // Page size asked for on Download (0 = server default). Each page is one
  // device transaction; a break redoes at most one page.
  uint32_t download_page = 2000;
  // Deadline for one RPC. Field networks are slow: generous, but bounded so a
  // dead link is noticed and the next sync resumes.
  int64_t rpc_deadline_ms = 60 * 1000;
  // Deadline for the whole upload stream. Past it the stream ends with
  // DEADLINE_EXCEEDED; the batches answered by then stand, and the next sync
  // sends the rest.
  int64_t upload_stream_deadline_ms = 10 * 60 * 1000;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_TUNING_H_
