#pragma once
// parse_yaml: a YAML ecosystem file (.yml, .yaml) as the same JSON value a
// .json file gives, read the way PM2's js-yaml reads it: YAML 1.2's core
// schema (plain true, 12, 1.5, null, ~ are typed; quoted scalars are text),
// anchors and aliases, and "<<" merge keys.

#include <nlohmann/json.hpp>
#include <string>

namespace pm {

/// The first document of `text`. Throws SpecError "<source>:<line>:<column>:
/// <problem>" for what is not YAML, and for documents nested deeper than
/// kMaxJsonDepth or whose aliases expand past a sane size.
nlohmann::json parse_yaml(const std::string& text, const std::string& source);

}  // namespace pm
