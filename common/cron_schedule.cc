#include "common/cron_schedule.h"

#include <cctype>
#include <sstream>
#include <vector>

#include "common/app_spec.h"

namespace pm {

namespace {

int number(const std::string& text, const std::string& whole) {
  if (text.empty() || text.size() > 2)
    throw SpecError("cron_restart \"" + whole + "\": \"" + text + "\" is not a number");
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      throw SpecError("cron_restart \"" + whole + "\": \"" + text + "\" is not a number");
  return std::stoi(text);
}

/// Sets the bits a field names within [low, high]; returns whether it was "*".
template <std::size_t N>
bool parse_field(const std::string& field, int low, int high, std::bitset<N>& bits,
                 const std::string& whole, const char* what) {
  bool star = false;
  std::stringstream parts(field);
  std::string part;
  while (std::getline(parts, part, ',')) {
    int step = 1;
    auto slash = part.find('/');
    if (slash != std::string::npos) {
      step = number(part.substr(slash + 1), whole);
      if (step == 0) throw SpecError("cron_restart \"" + whole + "\": a step of 0");
      part.erase(slash);
    }
    int from = low, to = high;
    if (part == "*") {
      star = slash == std::string::npos;
    } else {
      auto dash = part.find('-');
      from = number(part.substr(0, dash), whole);
      to = dash == std::string::npos ? (slash == std::string::npos ? from : high)
                                     : number(part.substr(dash + 1), whole);
    }
    if (from < low || to > high || from > to)
      throw SpecError("cron_restart \"" + whole + "\": " + what + " must be within " +
                      std::to_string(low) + "-" + std::to_string(high));
    for (int i = from; i <= to; i += step) bits.set(static_cast<std::size_t>(i));
  }
  return star;
}

}  // namespace

CronSchedule CronSchedule::parse(const std::string& text) {
  std::stringstream words(text);
  std::vector<std::string> fields;
  for (std::string word; words >> word;) fields.push_back(word);
  if (fields.size() != 5 && fields.size() != 6)
    throw SpecError("cron_restart \"" + text +
                    "\" needs 5 fields: minute hour day-of-month month day-of-week (or 6, "
                    "starting with the second)");
  CronSchedule schedule;
  if (fields.size() == 6) {
    parse_field(fields[0], 0, 59, schedule.seconds_, text, "seconds");
    fields.erase(fields.begin());
  } else {
    schedule.seconds_.set(0);
  }
  parse_field(fields[0], 0, 59, schedule.minutes_, text, "minutes");
  parse_field(fields[1], 0, 23, schedule.hours_, text, "hours");
  schedule.any_day_ = parse_field(fields[2], 1, 31, schedule.days_, text, "days of month");
  parse_field(fields[3], 1, 12, schedule.months_, text, "months");
  std::bitset<8> weekdays;
  schedule.any_weekday_ = parse_field(fields[4], 0, 7, weekdays, text, "days of week");
  for (int day = 0; day < 7; ++day)
    schedule.weekdays_[day] = weekdays[day] || (day == 0 && weekdays[7]);
  return schedule;
}

bool CronSchedule::matches_day(const std::tm& t) const {
  bool dom = days_[static_cast<std::size_t>(t.tm_mday)];
  bool dow = weekdays_[static_cast<std::size_t>(t.tm_wday)];
  if (any_day_ && any_weekday_) return true;
  if (any_day_) return dow;
  if (any_weekday_) return dom;
  return dom || dow;
}

bool CronSchedule::matches_minute(const std::tm& t) const {
  return months_[static_cast<std::size_t>(t.tm_mon + 1)] && matches_day(t) &&
         hours_[static_cast<std::size_t>(t.tm_hour)] &&
         minutes_[static_cast<std::size_t>(t.tm_min)];
}

std::time_t CronSchedule::next_after(std::time_t after) const {
  std::tm t{};
  ::localtime_r(&after, &t);
  // A later second of this minute, when the minute itself matches.
  for (int second = t.tm_sec + 1; second < 60; ++second)
    if (seconds_[static_cast<std::size_t>(second)] && matches_minute(t))
      return after + (second - t.tm_sec);
  t.tm_sec = 0;
  t.tm_min += 1;
  // At most a few years of minutes; every valid schedule matches well before.
  for (int guard = 0; guard < 4 * 366 * 24 * 60; ++guard) {
    std::time_t candidate = std::mktime(&t);
    ::localtime_r(&candidate, &t);
    if (!months_[static_cast<std::size_t>(t.tm_mon + 1)] || !matches_day(t)) {
      t.tm_mday += 1;
      t.tm_hour = 0;
      t.tm_min = 0;
    } else if (!hours_[static_cast<std::size_t>(t.tm_hour)]) {
      t.tm_hour += 1;
      t.tm_min = 0;
    } else if (!minutes_[static_cast<std::size_t>(t.tm_min)]) {
      t.tm_min += 1;
    } else {
      std::size_t second = 0;
      while (!seconds_[second]) ++second;
      return candidate + static_cast<std::time_t>(second);
    }
    t.tm_isdst = -1;
  }
  return after + 365LL * 24 * 3600;
}

}  // namespace pm
