// Network addresses as both programs read them: HOST:PORT, and whether a
// host is this machine's loopback (where plaintext is allowed).
#ifndef FIELDSYNC_COMMON_NET_H_
#define FIELDSYNC_COMMON_NET_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fieldsync {

// Whether HOST is a loopback address: a literal IPv4 address in
// 127.0.0.0/8, the IPv6 address ::1 (bracketed or not), or the name
// "localhost". Names that merely start with "127." are not.
bool IsLoopbackHost(absl::string_view host);

// Splits "HOST:PORT" ("[::1]:7443" too). INVALID_ARGUMENT if malformed.
absl::Status SplitHostPort(absl::string_view address, std::string* host,
                           std::string* port);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_NET_H_
