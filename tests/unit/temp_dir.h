#pragma once
// TempDir: a private directory for one test's files.

#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <string>

/// Owned by one test case; removed, with everything in it, at its end.
struct TempDir {
  std::string path;
  TempDir() {
    char name[] = "/tmp/pm-unit-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() { std::system(("rm -rf " + path).c_str()); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Writes `text` to the file `name` in the directory; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::string file = path + "/" + name;
    std::ofstream(file) << text;
    return file;
  }
};
