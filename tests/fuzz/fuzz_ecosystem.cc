// Fuzzes the ecosystem readers: a JSON5 document (as `pm start file.json`
// reads it, with the depth limit), a YAML one, and a Procfile. Bad input must throw an
// error that names the file, never crash.

#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/ecosystem.h"
#include "cli/json5_reader.h"
#include "cli/yaml_document.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    pm::read_procfile(text, "Procfile", "/srv/app", {});
  } catch (const std::exception&) {
  }
  try {
    pm::parse_yaml(text, "ecosystem.yml");
  } catch (const std::exception&) {
  }
  nlohmann::json document;
  try {
    document = pm::parse_json5(text, "ecosystem.json");
  } catch (const std::exception&) {
    return 0;
  }
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
