// Wire and on-disk constants shared by the server and the client core.
// Changing any of these is a protocol or schema change: bump the version.
#ifndef FIELDSYNC_COMMON_WIRE_FORMAT_H_
#define FIELDSYNC_COMMON_WIRE_FORMAT_H_

#include <cstdint>

namespace fieldsync {

// Version of the SyncService protocol (HandshakeRequest.protocol_version).
// The server serves exactly the versions in [kMinProtocolVersion,
// kProtocolVersion].
inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr uint32_t kMinProtocolVersion = 1;

// Schema versions of the SQLite stores (PRAGMA user_version).
inline constexpr int kServerSchemaVersion = 3;
inline constexpr int kClientSchemaVersion = 4;

// Hybrid logical clock, packed in 64 bits:
//
//   63                               16 15             0
//   +----------------------------------+---------------+
//   | wall time, ms since Unix epoch   | logical count |
//   |            (48 bits)             |   (16 bits)   |
//   +----------------------------------+---------------+
//
// 48 bits of milliseconds last until the year 10889. Comparing two packed
// values as integers compares (wall, logical) lexicographically.
inline constexpr int kHlcLogicalBits = 16;
inline constexpr uint64_t kHlcLogicalMask =
    (uint64_t{1} << kHlcLogicalBits) - 1;
inline constexpr uint64_t kHlcMaxWallMs = (uint64_t{1} << 48) - 1;

// Ids: 16 bytes. Record ids are UUIDv7 (RFC 9562): 48-bit big-endian Unix ms,
// version nibble 7, 12 random bits, variant bits 10, 62 random bits, so ids
// made later sort later and inserts stay local in the B-tree. Device ids are
// UUIDv4 (random).
inline constexpr int kIdBytes = 16;

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_WIRE_FORMAT_H_
