#pragma once
// UserError: something the user asked for cannot be done. The message is
// shown as is, so it says what is wrong and what to do instead.

#include <stdexcept>

namespace pm {

/// The one error type for what the user can act on: pmd replies with it as
/// {"ok":false,"error":...}; pm prints it as "pm: <message>", exit status 1.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace pm
