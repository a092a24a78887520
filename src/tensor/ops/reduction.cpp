#include "lockstep/tensor/ops/reduction.hpp"

namespace lockstep {

const char* to_string(Reduction r) {
  switch (r) {
    case Reduction::None:
      return "none";
    case Reduction::Mean:
      return "mean";
    case Reduction::Sum:
      return "sum";
  }
  return "?";
}

}  // namespace lockstep
