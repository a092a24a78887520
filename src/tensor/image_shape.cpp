#include "lockstep/tensor/image_shape.hpp"

#include <ostream>

namespace lockstep {

std::ostream& operator<<(std::ostream& out, const ImageShape& s) {
  return out << '[' << s.channels << ", " << s.height << ", " << s.width << ']';
}

std::ostream& operator<<(std::ostream& out, const Size2d& s) {
  return out << '(' << s.h << ", " << s.w << ')';
}

}  // namespace lockstep
