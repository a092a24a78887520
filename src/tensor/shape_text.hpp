// Internal: an N-dimensional shape (a list of sizes) written for messages as "[2, 3, 4]", in
// the manner of a Shape streamed with operator<< ("[rows, cols]"). Used by safetensors and the
// state dict, whose tensors carry shapes of any rank.
//
//   shape_text({2, 3, 4});   // "[2, 3, 4]"
//   shape_text({});          // "[]"
#pragma once

#include <span>
#include <string>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::detail {

std::string shape_text(std::span<const Index> dims);

}  // namespace lockstep::detail
