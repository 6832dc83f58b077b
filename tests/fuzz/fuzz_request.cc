// Fuzzes the control request path as pmd takes it: one line from a client,
// parsed with the depth limit, its envelope checked, an app spec decoded and
// encoded back, and the reply encoded. Every failure must be an exception
// pmd turns into an error reply, never a crash.

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/app_spec.h"
#include "common/bounded_json.h"
#include "common/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  std::string problem;
  pm::json request = pm::parse_bounded(line, problem);
  if (request.is_discarded()) {
    pm::encode_line(pm::error_reply("malformed request: " + problem));
    return 0;
  }
  if (auto error = pm::check_request(request)) {
    pm::encode_line(pm::error_reply(*error));
    return 0;
  }
  try {
    for (const char* field : {"spec", "message", "targets"}) {
      if (!request.contains(field)) continue;
      if (std::string(field) == "spec") {
        pm::AppSpec spec = pm::spec_from_json(request[field]);
        pm::encode_line(pm::ok_reply({{"spec", pm::to_json(spec)}}));
      } else {
        pm::encode_line(request[field]);
      }
    }
  } catch (const std::exception& error) {
    pm::encode_line(pm::error_reply(error.what()));
  }
  return 0;
}
