#include "common/cron_schedule.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

#include "common/app_spec.h"

namespace {

std::time_t local(int year, int month, int day, int hour, int minute) {
  std::tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_isdst = -1;
  return std::mktime(&t);
}

}  // namespace

TEST_CASE("next run of common schedules") {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  auto daily = pm::CronSchedule::parse("0 3 * * *");
  CHECK(daily.next_after(local(2026, 11, 26, 2, 59)) == local(2026, 11, 26, 3, 0));
  CHECK(daily.next_after(local(2026, 11, 26, 3, 0)) == local(2026, 11, 27, 3, 0));
  auto every15 = pm::CronSchedule::parse("*/15 * * * *");
  CHECK(every15.next_after(local(2026, 11, 26, 10, 7)) == local(2026, 11, 26, 10, 15));
  CHECK(every15.next_after(local(2026, 11, 26, 10, 45)) == local(2026, 11, 26, 11, 0));
  auto weekdays = pm::CronSchedule::parse("30 9 * * 1-5");  // 2026-11-28 is a Saturday
  CHECK(weekdays.next_after(local(2026, 11, 27, 10, 0)) == local(2026, 11, 30, 9, 30));
  auto sunday = pm::CronSchedule::parse("0 0 * * 7");
  CHECK(sunday.next_after(local(2026, 11, 26, 0, 0)) == local(2026, 11, 29, 0, 0));
  auto first = pm::CronSchedule::parse("0 0 1 1,7 *");
  CHECK(first.next_after(local(2026, 11, 26, 0, 0)) == local(2027, 1, 1, 0, 0));
}

TEST_CASE("bad cron expressions name the problem") {
  CHECK_THROWS_WITH_AS(pm::CronSchedule::parse("* * * *"), doctest::Contains("5 fields"),
                       pm::SpecError);
  CHECK_THROWS_WITH_AS(pm::CronSchedule::parse("61 * * * *"), doctest::Contains("minutes"),
                       pm::SpecError);
  CHECK_THROWS_WITH_AS(pm::CronSchedule::parse("x * * * *"), doctest::Contains("not a number"),
                       pm::SpecError);
  CHECK_THROWS_AS(pm::CronSchedule::parse("*/0 * * * *"), pm::SpecError);
  CHECK_THROWS_AS(pm::CronSchedule::parse("5-1 * * * *"), pm::SpecError);
}
