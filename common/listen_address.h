#pragma once
// ListenAddress: where an app listens, as the user or the program names it:
// "8080", "127.0.0.1:8080", "[::1]:8080", "/run/app.sock" or "unix:app.sock".

#include <string>

namespace pm {

/// A parsed address. A plain value.
struct ListenAddress {
  enum class Kind { Tcp, Unix };
  Kind kind = Kind::Tcp;
  std::string host;  // numeric; empty means every address (IPv6 and IPv4)
  int port = 0;
  /// An IPv6 socket that takes no IPv4 connections (IPV6_V6ONLY), as a
  /// program that binds "[::]" beside "0.0.0.0" asks for; host is then "::".
  bool v6only = false;
  std::string path;  // for Unix sockets

  /// Throws UserError with a message naming the bad part.
  static ListenAddress parse(const std::string& text);
  /// Identifies the socket: two instances asking for the same key share it.
  std::string key() const;
  /// How people write it: ":8080", "127.0.0.1:8080", "[::1]:8080", "/run/app.sock".
  std::string display() const;
};

}  // namespace pm
