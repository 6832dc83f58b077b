#pragma once
// What pm reads in an executable's ELF headers to tell, before it runs,
// whether the preload library will be able to hand it its port.

#include <string>

namespace pm {

/// Whether `path` is an ELF executable without a dynamic loader (a static
/// binary: no preload library can reach its bind()).
bool is_statically_linked(const std::string& path);

/// Whether `path` is a program built by Go (it carries Go's build-id note).
/// Go binds with raw system calls, statically linked or not, so the preload
/// library never sees its bind() either.
bool is_go_program(const std::string& path);

}  // namespace pm
