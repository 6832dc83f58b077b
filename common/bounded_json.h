#pragma once
// parse_bounded: JSON from a client or an app, parsed only when it is nested
// no deeper than pm ever needs. nlohmann's dump(), copies and comparisons
// recurse once per level, so a value nested 100,000 deep (200 KB of "[")
// would overflow pmd's stack the first time anything printed it.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pm {

/// Deeper than any request, spec, ecosystem entry or app message pm reads.
inline constexpr int kMaxJsonDepth = 64;

/// The parsed value, or a discarded value (is_discarded()) with `error` set
/// when `text` is not JSON or nests arrays and objects deeper than `max_depth`.
nlohmann::json parse_bounded(std::string_view text, std::string& error,
                             int max_depth = kMaxJsonDepth);

/// How deeply arrays and objects nest in `text` (strings skipped), counting
/// no further than `stop_at`; linear, and never recursive.
int json_depth(std::string_view text, int stop_at);

}  // namespace pm
