// lockstep/core/printable.hpp — text made safe to print to a terminal.
//
//   std::printf("%s\n", lockstep::printable(name_from_a_file).c_str());
#pragma once

#include <string>
#include <string_view>

namespace lockstep {

/// `text` with its control bytes (below 0x20, and 0x7f) written as \xHH, so that names read
/// from files (CSV headers, model metadata) cannot move the cursor, recolour or clear the
/// screen when printed. Other bytes, UTF-8 included, are kept.
std::string printable(std::string_view text);

}  // namespace lockstep
