#include "daemon/metrics/metric_writer.h"

#include <charconv>
#include <cmath>

namespace pm {

namespace {

/// A label value as the format wants it: backslash, quote and newline escaped.
std::string escaped(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // The shortest text that reads back as the same double: 0.07, not
  // 0.070000000000000007.
  char text[32];
  auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::string(text, end);
}

}  // namespace

void MetricWriter::family(const std::string& name, const std::string& type,
                          const std::string& help) {
  name_ = name;
  // HELP text escapes only backslash and newline.
  std::string help_text;
  for (char c : help) help_text += c == '\n' ? std::string("\\n") : std::string(1, c);
  text_ += "# HELP " + name + " " + help_text + "\n# TYPE " + name + " " + type + "\n";
}

void MetricWriter::sample(const Labels& labels, double value) {
  text_ += name_;
  if (!labels.empty()) {
    text_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i) text_ += ',';
      text_ += labels[i].first + "=\"" + escaped(labels[i].second) + '"';
    }
    text_ += '}';
  }
  text_ += ' ' + number(value) + '\n';
}

}  // namespace pm
