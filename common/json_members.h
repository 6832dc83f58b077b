#pragma once
// JsonMember: one wire field of a plain struct, its name and the member that
// holds it. A struct's fields are listed once, and both its to_json and its
// from_json are made from that list, so the two cannot disagree.

#include <nlohmann/json.hpp>
#include <tuple>

namespace pm {

/// A field of `T` on the wire: a name from common/protocol_table.h.
template <typename T, typename Member>
struct JsonMember {
  const char* name;
  Member T::*member;
};

template <typename T, typename Member>
constexpr JsonMember<T, Member> json_member(const char* name, Member T::*member) {
  return {name, member};
}

/// Sets each listed field of `value` (an object or null) from `object`.
template <typename T, typename... Members>
void write_members(nlohmann::json& value, const T& object,
                   const std::tuple<JsonMember<T, Members>...>& members) {
  std::apply([&](const auto&... field) { ((value[field.name] = object.*field.member), ...); },
             members);
}

/// Reads each listed field of `value` into `object`; absent ones keep theirs.
template <typename T, typename... Members>
void read_members(const nlohmann::json& value, T& object,
                  const std::tuple<JsonMember<T, Members>...>& members) {
  std::apply(
      [&](const auto&... field) {
        ((object.*field.member = value.value(field.name, object.*field.member)), ...);
      },
      members);
}

}  // namespace pm
