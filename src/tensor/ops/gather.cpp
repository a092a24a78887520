#include "lockstep/tensor/ops/gather.hpp"

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/class_index.hpp"

namespace lockstep::ops {

Shape gather_shape(Shape a, Shape index) {
  LOCKSTEP_CHECK(index == (Shape{a.rows, 1}), "gather: index has shape ", index, ", expected ",
                 Shape{a.rows, 1}, " (one index per row of the input of shape ", a, ")");
  return Shape{a.rows, 1};
}

void gather_forward(Tensor& out, const Tensor& a, const Tensor& index) {
  const Shape s = gather_shape(a.shape(), index.shape());
  LOCKSTEP_CHECK(out.shape() == s, "gather_forward: output has shape ", out.shape(), ", expected ",
                 s);
  for (Index i = 0; i < a.rows(); ++i) out(i, 0) = a(i, class_index(index, i, a.cols(), "gather"));
}

void gather_backward(Tensor& da, const Tensor& dout, const Tensor& index) {
  const Shape s = gather_shape(da.shape(), index.shape());
  LOCKSTEP_CHECK(dout.shape() == s, "gather_backward: dout has shape ", dout.shape(), ", expected ",
                 s);
  da.zero_();
  for (Index i = 0; i < da.rows(); ++i) {
    da(i, class_index(index, i, da.cols(), "gather")) = dout(i, 0);
  }
}

}  // namespace lockstep::ops
