#include "cli/json5_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "common/app_spec.h"
#include "common/bounded_json.h"

namespace pm {

using json = nlohmann::json;

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::uint32_t hex_value(char c) {
  return static_cast<std::uint32_t>(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
}

/// Letters, '$', '_' and any non-ASCII byte (UTF-8 letters of other
/// alphabets) may start a key; digits may follow.
bool starts_identifier(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '$' || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

/// One pass over the text; owns nothing but its position.
class Json5Reader {
 public:
  Json5Reader(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  json document() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // a byte order mark
    skip_blank();
    json value = read_value(0);
    skip_blank();
    if (pos_ < text_.size()) fail("the end of the document after its value");
    try {
      (void)value.dump();
    } catch (const json::exception&) {
      throw SpecError(source_ + ": is not UTF-8 text");
    }
    return value;
  }

 private:
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool at_end() const { return pos_ >= text_.size(); }

  /// What is at the current position, as a message quotes it.
  std::string found() const {
    if (at_end()) return "the end of the document";
    char c = peek();
    if (c == '\n' || c == '\r') return "a line break";
    if (static_cast<unsigned char>(c) < 0x20) return "a control character";
    if (static_cast<unsigned char>(c) >= 0x80) return "a non-ASCII character";
    return std::string("'") + c + "'";
  }

  [[noreturn]] void fail(const std::string& expected) const { fail_at(pos_, expected); }

  [[noreturn]] void fail_at(std::size_t where, const std::string& expected,
                            const std::string& got = "") const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < where && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw SpecError(source_ + ":" + std::to_string(line) + ":" + std::to_string(column) +
                    ": expected " + expected + ", got " + (got.empty() ? found() : got));
  }

  /// The length of a JSON5 white space or line break at the position, or 0.
  std::size_t blank_length() const {
    char c = peek();
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return 1;
    if (text_.compare(pos_, 2, "\xC2\xA0") == 0) return 2;  // no-break space
    if (text_.compare(pos_, 3, "\xE2\x80\xA8") == 0 || text_.compare(pos_, 3, "\xE2\x80\xA9") == 0)
      return 3;  // line and paragraph separators
    if (text_.compare(pos_, 3, "\xEF\xBB\xBF") == 0) return 3;
    return 0;
  }

  void skip_blank() {
    for (;;) {
      if (std::size_t length = blank_length()) {
        pos_ += length;
      } else if (peek() == '/' && peek(1) == '/') {
        while (!at_end() && peek() != '\n' && peek() != '\r') ++pos_;
      } else if (peek() == '/' && peek(1) == '*') {
        std::size_t start = pos_;
        std::size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos)
          fail_at(start, "\"*/\" to close this comment", "the end of the document");
        pos_ = end + 2;
      } else {
        return;
      }
    }
  }

  json read_value(int depth) {
    char c = peek();
    if (c == '{' || c == '[') {
      if (depth >= kMaxJsonDepth)
        fail("objects and arrays nested at most " + std::to_string(kMaxJsonDepth) + " deep");
      return c == '{' ? read_object(depth + 1) : read_array(depth + 1);
    }
    if (c == '"' || c == '\'') return read_string();
    if (is_digit(c) || c == '-' || c == '+' || c == '.') return read_number();
    if (starts_identifier(c)) {
      std::size_t start = pos_;
      std::string word = read_identifier();
      if (word == "true") return true;
      if (word == "false") return false;
      if (word == "null") return nullptr;
      if (word == "Infinity") return std::numeric_limits<double>::infinity();
      if (word == "NaN") return std::numeric_limits<double>::quiet_NaN();
      fail_at(start, "a value (a string needs quotes)", "'" + word + "'");
    }
    fail("a value");
  }

  json read_object(int depth) {
    ++pos_;
    json object = json::object();
    skip_blank();
    while (peek() != '}') {
      std::string key;
      if (peek() == '"' || peek() == '\'')
        key = read_string();
      else if (starts_identifier(peek()))
        key = read_identifier();
      else
        fail("a key or '}'");
      skip_blank();
      if (peek() != ':') fail("':' after the key \"" + key + "\"");
      ++pos_;
      skip_blank();
      object[key] = read_value(depth);
      skip_blank();
      if (peek() == ',') {
        ++pos_;
        skip_blank();
      } else if (peek() != '}') {
        fail("',' or '}' after the value of \"" + key + "\"");
      }
    }
    ++pos_;
    return object;
  }

  json read_array(int depth) {
    ++pos_;
    json array = json::array();
    skip_blank();
    while (peek() != ']') {
      array.push_back(read_value(depth));
      skip_blank();
      if (peek() == ',') {
        ++pos_;
        skip_blank();
      } else if (peek() != ']') {
        fail("',' or ']' after an element of the array");
      }
    }
    ++pos_;
    return array;
  }

  std::string read_identifier() {
    std::string word;
    while (starts_identifier(peek()) || is_digit(peek()) || peek() == '\\') {
      if (peek() == '\\') {
        if (peek(1) != 'u') fail("\\u in a key");
        pos_ += 1;
        append_utf8(word, read_code_unit());
      } else {
        word += text_[pos_++];
      }
    }
    return word;
  }

  /// The four hex digits after a 'u', the position on the 'u'.
  std::uint32_t read_code_unit() {
    ++pos_;
    std::uint32_t code = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (!is_hex(peek())) fail("four hex digits after \\u");
      code = code * 16 + hex_value(peek());
    }
    return code;
  }

  std::string read_string() {
    std::size_t start = pos_;
    char quote = text_[pos_++];
    std::string out;
    for (;;) {
      if (at_end() || peek() == '\n' || peek() == '\r')
        fail_at(
            start, std::string("the closing ") + quote + " of this string",
            at_end() ? "the end of the document" : "a line break (end a line with \\ to go on)");
      char c = text_[pos_++];
      if (c == quote) return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      read_escape(out);
    }
  }

  void read_escape(std::string& out) {
    char c = peek();
    switch (c) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\n':
        break;  // a line continuation
      case '\r':
        if (peek(1) == '\n') ++pos_;
        break;
      case '0':
        if (is_digit(peek(1))) fail("no digit after \\0");
        out += '\0';
        break;
      case 'x': {
        ++pos_;
        if (!is_hex(peek()) || !is_hex(peek(1))) fail("two hex digits after \\x");
        append_utf8(out, hex_value(peek()) * 16 + hex_value(peek(1)));
        pos_ += 1;
        break;
      }
      case 'u': {
        std::uint32_t code = read_code_unit();
        if (code >= 0xD800 && code < 0xDC00 && peek() == '\\' && peek(1) == 'u') {
          std::size_t low_at = pos_;
          ++pos_;
          std::uint32_t low = read_code_unit();
          if (low >= 0xDC00 && low < 0xE000)
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          else
            pos_ = low_at;
        }
        // A lone surrogate is no character; UTF-8 cannot hold it.
        append_utf8(out, code >= 0xD800 && code < 0xE000 ? 0xFFFD : code);
        return;
      }
      default:
        if (at_end()) fail("a character after '\\'");
        if (is_digit(c)) fail("no digit after '\\' (write \\u0031 for \"1\")");
        // Any other escaped character is itself, U+2028 and U+2029 included.
        out += c;
    }
    ++pos_;
  }

  json read_number() {
    std::size_t start = pos_;
    bool negative = peek() == '-';
    if (peek() == '-' || peek() == '+') ++pos_;
    if (starts_identifier(peek())) {
      std::string word = read_identifier();
      if (word == "Infinity")
        return negative ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity();
      if (word == "NaN") return std::numeric_limits<double>::quiet_NaN();
      fail_at(start, "a number", "'" + std::string(text_.substr(start, pos_ - start)) + "'");
    }
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      pos_ += 2;
      std::size_t digits = pos_;
      while (is_hex(peek())) ++pos_;
      if (pos_ == digits) fail("hex digits after 0x");
      return whole_number(start, std::string(text_.substr(digits, pos_ - digits)), 16, negative);
    }
    std::size_t digits = pos_;
    if (peek() == '0' && is_digit(peek(1))) fail_at(pos_ + 1, "no digit after a leading 0");
    while (is_digit(peek())) ++pos_;
    bool whole = true;
    if (peek() == '.') {
      whole = false;
      ++pos_;
      while (is_digit(peek())) ++pos_;
      if (pos_ == digits + 1) fail("a digit before or after '.'");
    }
    if (pos_ == digits) fail("a digit");
    if (peek() == 'e' || peek() == 'E') {
      whole = false;
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!is_digit(peek())) fail("the digits of the exponent");
      while (is_digit(peek())) ++pos_;
    }
    if (starts_identifier(peek()) || is_digit(peek())) fail("',' or the end of the number");
    std::string number(text_.substr(digits, pos_ - digits));
    if (whole) return whole_number(start, number, 10, negative);
    double value = std::strtod(number.c_str(), nullptr);
    return negative ? -value : value;
  }

  json whole_number(std::size_t start, const std::string& digits, int base, bool negative) {
    errno = 0;
    unsigned long long magnitude = std::strtoull(digits.c_str(), nullptr, base);
    if (errno == ERANGE) {
      if (base == 16) fail_at(start, "a hex number of at most 64 bits", "a longer one");
      double value = std::strtod(digits.c_str(), nullptr);
      return negative ? -value : value;
    }
    if (!negative)
      return magnitude <= static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max())
                 ? json(static_cast<std::int64_t>(magnitude))
                 : json(magnitude);
    if (magnitude <= static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max()))
      return -static_cast<std::int64_t>(magnitude);
    if (magnitude == static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max()) + 1)
      return std::numeric_limits<std::int64_t>::min();
    return -static_cast<double>(magnitude);
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
};

}  // namespace

json parse_json5(std::string_view text, const std::string& source) {
  return Json5Reader(text, source).document();
}

}  // namespace pm
