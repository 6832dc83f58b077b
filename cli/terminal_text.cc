#include "cli/terminal_text.h"

#include <cstdio>

namespace pm {

namespace {

/// Length of the colour sequence (ESC [ digits/; m) at `at`, or 0.
std::size_t colour_sequence(std::string_view text, std::size_t at) {
  if (at + 2 >= text.size() || text[at + 1] != '[') return 0;
  for (std::size_t i = at + 2; i < text.size(); ++i) {
    char c = text[i];
    if (c == 'm') return i - at + 1;
    if (!(c == ';' || (c >= '0' && c <= '9'))) return 0;
  }
  return 0;
}

void append_escape(std::string& out, const char* format, unsigned value) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, format, value);
  out += buffer;
}

}  // namespace

std::string terminal_safe(std::string_view text, bool keep_colours) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte == 0x1b && keep_colours) {
      if (std::size_t length = colour_sequence(text, i)) {
        out.append(text.substr(i, length));
        i += length - 1;
        continue;
      }
    }
    if (byte == '\t' && keep_colours) {
      out += '\t';
    } else if (byte < 0x20 || byte == 0x7f) {
      append_escape(out, "\\x%02x", byte);
    } else if (byte == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      append_escape(out, "\\u%04x", static_cast<unsigned char>(text[++i]));
    } else {
      out += static_cast<char>(byte);
    }
  }
  return out;
}

}  // namespace pm
