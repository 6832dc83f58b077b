#pragma once
// UserError: something the user asked for cannot be done. The message is
// shown as is, so it says what is wrong and what to do instead.

#include <stdexcept>

namespace pm {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace pm
