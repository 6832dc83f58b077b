#include "common/cron_schedule.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

#include "common/app_spec.h"

namespace {

std::time_t local(int year, int month, int day, int hour, int minute, int second = 0) {
  std::tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
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

TEST_CASE("six fields start with the second, as PM2's croner reads them") {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  auto every10s = pm::CronSchedule::parse("*/10 * * * * *");
  CHECK(every10s.next_after(local(2026, 11, 26, 10, 7, 0)) == local(2026, 11, 26, 10, 7, 10));
  CHECK(every10s.next_after(local(2026, 11, 26, 10, 7, 15)) == local(2026, 11, 26, 10, 7, 20));
  CHECK(every10s.next_after(local(2026, 11, 26, 10, 7, 55)) == local(2026, 11, 26, 10, 8, 0));
  auto daily = pm::CronSchedule::parse("30 0 3 * * *");
  CHECK(daily.next_after(local(2026, 11, 26, 3, 0, 10)) == local(2026, 11, 26, 3, 0, 30));
  CHECK(daily.next_after(local(2026, 11, 26, 3, 0, 30)) == local(2026, 11, 27, 3, 0, 30));
  CHECK(daily.next_after(local(2026, 11, 26, 2, 59, 59)) == local(2026, 11, 26, 3, 0, 30));
  auto at = pm::CronSchedule::parse("5,45 */2 * * * 6");  // Saturdays, 2026-11-28 is one
  CHECK(at.next_after(local(2026, 11, 27, 23, 59, 59)) == local(2026, 11, 28, 0, 0, 5));
  CHECK(at.next_after(local(2026, 11, 28, 0, 0, 5)) == local(2026, 11, 28, 0, 0, 45));
  CHECK(at.next_after(local(2026, 11, 28, 0, 1, 0)) == local(2026, 11, 28, 0, 2, 5));
  // Five fields still run at second 0.
  CHECK(pm::CronSchedule::parse("* * * * *").next_after(local(2026, 11, 26, 10, 7, 1)) ==
        local(2026, 11, 26, 10, 8, 0));
  CHECK_THROWS_WITH_AS(pm::CronSchedule::parse("60 * * * * *"), doctest::Contains("seconds"),
                       pm::SpecError);
  CHECK_THROWS_WITH_AS(pm::CronSchedule::parse("* * * * * * *"),
                       doctest::Contains("or 6, starting with the second"), pm::SpecError);
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
