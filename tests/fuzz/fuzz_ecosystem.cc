// Fuzzes the ecosystem readers: a JSON document (as `pm start file.json`
// reads it, with the depth limit) and a Procfile. Bad input must throw an
// error that names the file, never crash.

#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/ecosystem.h"
#include "common/bounded_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    pm::read_procfile(text, "Procfile", "/srv/app", {});
  } catch (const std::exception&) {
  }
  std::string problem;
  nlohmann::json document = pm::parse_bounded(text, problem);
  if (document.is_discarded()) return 0;
  try {
    pm::read_ecosystem(document, "ecosystem.json", "/srv/app", "production", {});
  } catch (const std::exception&) {
  }
  try {
    pm::parse_duration_ms(document);
  } catch (const std::exception&) {
  }
  return 0;
}
