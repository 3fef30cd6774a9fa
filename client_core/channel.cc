#include "client_core/channel.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/net.h"

namespace fieldsync {
namespace {

std::string HostOf(const std::string& address) {
  std::string host, port;
  return SplitHostPort(address, &host, &port).ok() ? host : address;
}

std::string TokenPath(const std::string& home) {
  return absl::StrCat(home, "/", kTokenFile);
}

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ConnectionSettings& s) {
  if (s.server.empty() || s.server.rfind(':') == std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat("server address \"", s.server,
                     "\" must be HOST:PORT (fieldsync login --server)"));
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (!s.ca_pem.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = s.ca_pem;
    creds = grpc::SslCredentials(ssl);
  } else if (IsLoopbackHost(HostOf(s.server)) || s.insecure_plaintext) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    return absl::FailedPreconditionError(absl::StrCat(
        "the server ", s.server,
        " is not on this machine, so the connection must use TLS: log in "
        "with --ca FILE (the CA certificate that signed the server's), or "
        "--insecure-plaintext to send passwords and records unencrypted"));
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  args.SetMaxSendMessageSize(64 * 1024 * 1024);
  return grpc::CreateCustomChannel(s.server, creds, args);
}

absl::Status WriteToken(const std::string& home, const std::string& token) {
  const std::string path = TokenPath(home);
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(
      tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Errno(absl::StrCat("cannot create ", tmp));
  const std::string line = token + "\n";
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, line.data(), line.size()) ==
                      static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    errno = saved;
    ::unlink(tmp.c_str());
    return Errno(absl::StrCat("cannot write ", tmp));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Errno(absl::StrCat("cannot rename ", tmp));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadToken(const std::string& home) {
  const std::string path = TokenPath(home);
  const int fd =
      ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::UnauthenticatedError(
          "this device is not logged in: run `fieldsync login --server "
          "HOST:PORT --user NAME`");
    }
    return Errno(absl::StrCat("cannot open ", path));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Errno(absl::StrCat("cannot stat ", path));
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(path,
                     " is not a regular file owned by you: remove it and "
                     "log in again"));
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s is readable by other users (mode %04o); it must be 0600: run "
        "`chmod 600 %s`, or log in again",
        path, st.st_mode & 07777, path));
  }
  std::string data(512, '\0');
  const ssize_t n = ::read(fd, data.data(), data.size());
  ::close(fd);
  if (n < 0) return Errno(absl::StrCat("cannot read ", path));
  data.resize(static_cast<size_t>(n));
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) {
    data.pop_back();
  }
  if (data.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat(path, " is empty: log in again"));
  }
  return data;
}

absl::Status RemoveToken(const std::string& home) {
  const std::string path = TokenPath(home);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Errno(absl::StrCat("cannot remove ", path));
  }
  return absl::OkStatus();
}

void Authorize(grpc::ClientContext* context, const std::string& token) {
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

std::string ExplainConnectFailure(const grpc::Status& status,
                                  const ConnectionSettings& s) {
  // gRPC 1.51 (over OpenSSL) reports a failed connection as "failed to
  // connect to all addresses; last error: CODE: ipv4:HOST:PORT: WHY", e.g.
  //   Ssl handshake failed: SSL_ERROR_SSL: error:0A000086:SSL
  //     routines::certificate verify failed   (wrong CA, expired, ...)
  //   Ssl handshake failed: ... wrong version number  (TLS client, plaintext
  //     server)
  //   Peer name 127.0.0.2 is not in peer certificate
  //   Socket closed                    (plaintext client, TLS server)
  // The verification error itself (expired, unknown issuer) is not in the
  // status; only OpenSSL's verify result would tell, and gRPC logs only
  // "certificate verify failed".
  const std::string& m = status.error_message();
  const bool tls = !s.ca_pem.empty();
  if (tls) {
    if (absl::StrContains(m, "is not in peer certificate")) {
      return absl::StrCat(
          "TLS to ", s.server,
          " failed: the server's certificate does not list the name \"",
          HostOf(s.server),
          "\": log in with --server using a name or address the certificate "
          "lists (its subjectAltName); nothing was sent. Detail: ",
          m);
    }
    if (absl::StrContains(m, "wrong version number") ||
        absl::StrContains(m, "packet length too long") ||
        absl::StrContains(m, "WRONG_VERSION_NUMBER")) {
      return absl::StrCat(
          "TLS to ", s.server,
          " failed: the server does not speak TLS (it was started without "
          "--tls-cert); nothing was sent. Detail: ",
          m);
    }
    if (absl::StrContains(m, "CERTIFICATE_VERIFY_FAILED") ||
        absl::StrContains(m, "certificate verify failed") ||
        absl::StrContains(m, "certificate has expired") ||
        absl::StrContains(m, "CERTIFICATE_EXPIRED")) {
      if (absl::StrContains(m, "expired")) {
        return absl::StrCat(
            "TLS to ", s.server,
            " failed: the server's certificate has expired; nothing was "
            "sent. Detail: ",
            m);
      }
      return absl::StrCat(
          "TLS to ", s.server,
          " failed: the server's certificate could not be verified against "
          "the CA given at login (--ca): it was signed by another CA, has "
          "expired or is not yet valid, or is self-signed; nothing was sent. "
          "Detail: ",
          m);
    }
    if (absl::StrContains(m, "Handshake failed") ||
        absl::StrContains(m, "handshake failed")) {
      return absl::StrCat("TLS to ", s.server,
                          " failed: the TLS handshake did not complete; "
                          "nothing was sent. Detail: ",
                          m);
    }
  }
  if (!tls && (absl::StrContains(m, "Socket closed") ||
               absl::StrContains(m, "Connection reset") ||
               absl::StrContains(m, "connection reset"))) {
    return absl::StrCat(
        "the server at ", s.server,
        " closed a plaintext connection: it probably requires TLS; log in "
        "with --ca FILE. Detail: ",
        m);
  }
  return m;
}

}  // namespace fieldsync
