// `fieldsync-server admin`: accounts and the audit trail, worked on the
// server database directly (another process may be serving it: SQLite's WAL
// lets both run, and the server reads accounts afresh on every call).
// Passwords come from standard input, or a prompt without echo on a
// terminal; never from the command line.
#ifndef FIELDSYNC_SERVER_ADMIN_CLI_H_
#define FIELDSYNC_SERVER_ADMIN_CLI_H_

#include <string>
#include <vector>

namespace fieldsync {

// Runs `admin ARGS...` against the database at `db`. Prints to stdout and
// stderr; returns the exit code (0 ok, 1 failed, 2 usage).
int RunAdmin(const std::string& db, const std::vector<std::string>& args);

extern const char kAdminUsage[];

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_ADMIN_CLI_H_
