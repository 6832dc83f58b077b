#pragma once
// terminal_safe: text from apps and users made safe to print on a terminal.
// A log line or an argument can hold escape sequences that clear the
// screen, set the window title or fake other output; pm shows them as
// visible escapes instead (`pm logs --raw` and `jlist` give the bytes).

#include <string>
#include <string_view>

namespace pm {

/// `text` with every control character (C0, DEL, and C1 as UTF-8) written
/// as \xNN or \uNNNN. With `keep_colours`, colour and style sequences
/// (ESC [ digits and ; ... m) pass through, as apps that log in colour
/// expect; tabs pass through too.
std::string terminal_safe(std::string_view text, bool keep_colours = false);

}  // namespace pm
