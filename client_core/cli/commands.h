// The `fieldsync` commands, one function each: the parsed command line in,
// the exit code out (cli_common.h). Grouped by what they work on:
//   account_commands.cc  init, login, logout, whoami
//   record_commands.cc   record, list, show
//   sync_commands.cc     sync, status, state
//   roster_commands.cc   import
//   todo_commands.cc     todo
//   review_commands.cc   review, history
#ifndef FIELDSYNC_CLIENT_CORE_CLI_COMMANDS_H_
#define FIELDSYNC_CLIENT_CORE_CLI_COMMANDS_H_

#include "client_core/cli/cli_common.h"

namespace fieldsync::cli {

int Init(const Cli& cli);
int Login(const Cli& cli);
int Logout(const Cli& cli);
int WhoAmI(const Cli& cli);

int Record(const Cli& cli);
int List(const Cli& cli);
int Show(const Cli& cli);

int Sync(const Cli& cli);
int Status(const Cli& cli);
int State(const Cli& cli);

int Import(const Cli& cli);
int Todo(const Cli& cli);
int Review(const Cli& cli);
int History(const Cli& cli);

}  // namespace fieldsync::cli

#endif  // FIELDSYNC_CLIENT_CORE_CLI_COMMANDS_H_
