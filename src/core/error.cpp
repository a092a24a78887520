#include "lockstep/core/error.hpp"

#include "lockstep/core/printable.hpp"

namespace lockstep {

std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x20 || b == 0x7f) {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace lockstep

namespace lockstep::detail {

void throw_error(const std::string& message) { throw Error(message); }

}  // namespace lockstep::detail
