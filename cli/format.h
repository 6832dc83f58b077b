#pragma once
// Formatting for people: durations, sizes, and the table `pm list` prints.

#include <cstdint>
#include <string>
#include <vector>

namespace pm {

/// "45s", "12m", "3h", "2D": the largest unit that fits, as PM2 shows uptime.
std::string format_duration(std::int64_t milliseconds);

/// "512b", "1.2kb", "34.5mb", "1.1gb".
std::string format_bytes(std::uint64_t bytes);

/// Parses "300M", "10K", "1G", "1024" into bytes; -1 when malformed.
std::int64_t parse_bytes(const std::string& text);

/// One table cell: its text and an optional ANSI colour code ("32" green).
struct Cell {
  std::string text;
  std::string colour;
};

/// A text table with a header row, shrunk to fit a terminal width. Columns
/// marked optional are dropped (right to left) when the table is too wide;
/// then the widest column marked `squeeze` is truncated.
class Table {
 public:
  struct Column {
    std::string title;
    bool optional = false;
    bool squeeze = false;
  };
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  void add_row(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  /// Renders with box borders; `width` 0 means unlimited.
  std::string render(int width, bool colour) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

/// Display width of UTF-8 text (code points; good enough for names).
std::size_t display_width(const std::string& text);

}  // namespace pm
