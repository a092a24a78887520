#include "lockstep/tensor/ops/transpose.hpp"

#include "lockstep/core/error.hpp"

namespace lockstep::ops {

Shape transpose_shape(Shape a) { return Shape{a.cols, a.rows}; }

void transpose_forward(Tensor& out, const Tensor& a) {
  LOCKSTEP_CHECK(out.shape() == transpose_shape(a.shape()), "transpose_forward: output has shape ",
                 out.shape(), ", expected ", transpose_shape(a.shape()), " for an input of shape ",
                 a.shape());
  LOCKSTEP_CHECK(!out.shares_storage_with(a),
                 "transpose_forward: out must not share storage with the input");
  out.map().noalias() = a.map().transpose();
}

void transpose_backward(Tensor& da, const Tensor& dout) {
  LOCKSTEP_CHECK(da.shape() == transpose_shape(dout.shape()), "transpose_backward: da has shape ",
                 da.shape(), ", expected ", transpose_shape(dout.shape()),
                 " for a gradient of shape ", dout.shape());
  da.map().noalias() = dout.map().transpose();
}

}  // namespace lockstep::ops
