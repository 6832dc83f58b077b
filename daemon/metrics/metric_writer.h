#pragma once
// MetricWriter: writes metric families in Prometheus's text format, with
// their HELP and TYPE lines once and label values escaped.

#include <string>
#include <utility>
#include <vector>

namespace pm {

using Labels = std::vector<std::pair<std::string, std::string>>;

/// Builds one exposition; owned by whoever is answering a scrape.
class MetricWriter {
 public:
  /// Starts a family: `type` is counter or gauge.
  void family(const std::string& name, const std::string& type, const std::string& help);
  /// A sample of the family last started.
  void sample(const Labels& labels, double value);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string name_;
};

}  // namespace pm
