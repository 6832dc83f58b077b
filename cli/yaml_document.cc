#include "cli/yaml_document.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <regex>

#include "common/app_spec.h"
#include "common/bounded_json.h"

namespace pm {

using json = nlohmann::json;

namespace {

/// Nodes one document may expand to: aliases share nodes in YAML, so a few
/// lines can name billions of them ("billion laughs").
constexpr std::size_t kMaxNodes = 100000;

const std::string kCoreTag = "tag:yaml.org,2002:";

/// A plain scalar typed by YAML 1.2's core schema, as js-yaml does.
json plain_scalar(const std::string& text) {
  static const std::regex decimal("[-+]?[0-9]+");
  static const std::regex octal("0o[0-7]+");
  static const std::regex hex("0x[0-9a-fA-F]+");
  static const std::regex real("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  static const std::regex infinity("[-+]?\\.(inf|Inf|INF)");
  static const std::regex nan("\\.(nan|NaN|NAN)");
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  errno = 0;
  if (std::regex_match(text, decimal)) {
    long long value = std::strtoll(text.c_str(), nullptr, 10);
    if (errno != ERANGE) return value;
    return std::strtod(text.c_str(), nullptr);
  }
  if (std::regex_match(text, octal) || std::regex_match(text, hex)) {
    unsigned long long value = std::strtoull(text.c_str() + 2, nullptr, text[1] == 'o' ? 8 : 16);
    if (errno != ERANGE) return value;
  }
  if (std::regex_match(text, real)) return std::strtod(text.c_str(), nullptr);
  if (std::regex_match(text, infinity))
    return text[0] == '-' ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
  if (std::regex_match(text, nan)) return std::numeric_limits<double>::quiet_NaN();
  return text;
}

/// Walks the node tree once; owns only its count of nodes.
class YamlConverter {
 public:
  explicit YamlConverter(const std::string& source) : source_(source) {}

  json value(const YAML::Node& node, int depth) {
    if (++nodes_ > kMaxNodes)
      fail(node, "the document expands to more than " + std::to_string(kMaxNodes) +
                     " values (aliases of aliases?)");
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar:
        return scalar(node);
      case YAML::NodeType::Sequence: {
        nested(node, depth);
        json array = json::array();
        for (const auto& item : node) array.push_back(value(item, depth + 1));
        return array;
      }
      case YAML::NodeType::Map:
        nested(node, depth);
        return mapping(node, depth + 1);
    }
    return nullptr;
  }

 private:
  [[noreturn]] void fail(const YAML::Node& node, const std::string& problem) const {
    YAML::Mark mark = node.Mark();
    std::string where = mark.is_null() ? source_
                                       : source_ + ":" + std::to_string(mark.line + 1) + ":" +
                                             std::to_string(mark.column + 1);
    throw SpecError(where + ": " + problem);
  }

  void nested(const YAML::Node& node, int depth) const {
    if (depth >= kMaxJsonDepth)
      fail(node,
           "mappings and sequences nested more than " + std::to_string(kMaxJsonDepth) + " deep");
  }

  json scalar(const YAML::Node& node) const {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "?") return plain_scalar(text);
    if (tag == "!" || tag == kCoreTag + "str") return text;
    if (tag.rfind(kCoreTag, 0) == 0) {
      std::string type = tag.substr(kCoreTag.size());
      json typed = plain_scalar(text);
      bool fits = (type == "int" && typed.is_number_integer()) ||
                  (type == "float" && typed.is_number()) ||
                  (type == "bool" && typed.is_boolean()) || (type == "null" && typed.is_null());
      if (!fits) fail(node, "\"" + text + "\" is not a !!" + type);
      return type == "float" ? json(typed.get<double>()) : typed;
    }
    return plain_scalar(text);
  }

  json mapping(const YAML::Node& node, int depth) {
    json object = json::object();
    std::vector<YAML::Node> merges;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar())
        fail(entry.first, "a key must be a plain value, not a list or a mapping");
      if (entry.first.Tag() == "?" && entry.first.Scalar() == "<<")
        merges.push_back(entry.second);
      else
        object[entry.first.Scalar()] = value(entry.second, depth);
    }
    // Keys given in the mapping win over merged ones; earlier merges win.
    for (const auto& merge : merges) {
      std::vector<YAML::Node> sources;
      if (merge.IsSequence())
        for (const auto& item : merge) sources.push_back(item);
      else
        sources.push_back(merge);
      for (const auto& merged : sources) {
        if (!merged.IsMap()) fail(merged, "\"<<\" merges mappings only");
        json entries = mapping(merged, depth);
        for (auto& [key, setting] : entries.items())
          if (!object.contains(key)) object[key] = std::move(setting);
      }
    }
    return object;
  }

  const std::string& source_;
  std::size_t nodes_ = 0;
};

}  // namespace

json parse_yaml(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    std::string where = error.mark.is_null() ? source
                                             : source + ":" + std::to_string(error.mark.line + 1) +
                                                   ":" + std::to_string(error.mark.column + 1);
    throw SpecError(where + ": " + error.msg);
  }
  json document = YamlConverter(source).value(root, 0);
  try {
    (void)document.dump();
  } catch (const json::exception&) {
    throw SpecError(source + ": is not UTF-8 text");
  }
  return document;
}

}  // namespace pm
