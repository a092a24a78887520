#include "lockstep/tensor/random.hpp"

namespace lockstep {

Tensor randn(Shape shape, Generator& gen) {
  Tensor t(shape);
  for (float& v : t.span()) v = gen.normal();
  return t;
}

Tensor rand(Shape shape, Generator& gen) {
  Tensor t(shape);
  for (float& v : t.span()) v = gen.uniform();
  return t;
}

Tensor uniform(Shape shape, float lo, float hi, Generator& gen) {
  Tensor t(shape);
  for (float& v : t.span()) v = gen.uniform(lo, hi);
  return t;
}

}  // namespace lockstep
