#include "lockstep/data/dataset.hpp"

#include "lockstep/core/error.hpp"

namespace lockstep {

Example Dataset::get(Index index) const {
  LOCKSTEP_CHECK(index >= 0 && index < size(), "dataset index ", index,
                 " is out of range for a dataset of ", size(), " samples");
  Example e{Tensor(Shape{1, feature_dim()}), Tensor(Shape{1, target_dim()})};
  get(index, e.x.span(), e.y.span());
  return e;
}

}  // namespace lockstep
