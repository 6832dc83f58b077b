#pragma once
// parse_json5: JSON5 (https://json5.org), the JSON that PM2 reads from
// ecosystem .json files and stdin because it evaluates them as JavaScript:
// comments, trailing commas, unquoted keys, single-quoted strings, hex
// numbers, Infinity and NaN. Plain JSON is JSON5, so every .json goes here.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pm {

/// The document in `text`. Throws SpecError "<source>:<line>:<column>:
/// expected ..., got ..." at the first mistake, and for arrays and objects
/// nested deeper than kMaxJsonDepth.
nlohmann::json parse_json5(std::string_view text, const std::string& source);

}  // namespace pm
