// Fuzzes the small text parsers users and apps feed pm: listen addresses
// ("8080", "[::1]:80", "unix:app.sock") and cron schedules, including the
// search for a schedule's next time.

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>

#include "common/cron_schedule.h"
#include "common/listen_address.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    pm::ListenAddress::parse(text);
  } catch (const std::exception&) {
  }
  try {
    pm::CronSchedule schedule = pm::CronSchedule::parse(text);
    schedule.next_after(std::time_t{1795000000});
  } catch (const std::exception&) {
  }
  return 0;
}
