#pragma once
// CronSchedule: a standard 5-field cron expression ("0 3 * * *"), for
// --cron-restart. Fields: minute, hour, day of month, month, day of week;
// each "*", a number, a range "a-b", a list "a,b", with an optional step "/n".
// Six fields start with the second, as PM2's croner reads them.

#include <bitset>
#include <ctime>
#include <string>

namespace pm {

/// A parsed schedule. A plain value.
class CronSchedule {
 public:
  /// Throws SpecError naming the bad field.
  static CronSchedule parse(const std::string& text);
  /// The first whole second after `after` (local time) that matches.
  std::time_t next_after(std::time_t after) const;

 private:
  bool matches_day(const std::tm& t) const;
  bool matches_minute(const std::tm& t) const;

  std::bitset<60> seconds_;  // only second 0 for 5 fields
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;
  std::bitset<13> months_;
  std::bitset<7> weekdays_;
  bool any_day_ = true;
  bool any_weekday_ = true;
};

}  // namespace pm
