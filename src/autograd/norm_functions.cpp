// Differentiable batch normalization: the statistics and forward kernels plus a recorded Node
// calling the backward kernel. Per-channel tensors come from the pool.
#include "lockstep/autograd/norm_functions.hpp"

#include "autograd/record.hpp"
#include "lockstep/autograd/node.hpp"

namespace lockstep {

using detail::checked;
using detail::finish;
using detail::Saved;

namespace {

class BatchNormBackward final : public Node {
 public:
  BatchNormBackward(Tensor x, Tensor mean, Tensor invstd, Tensor weight,
                    const ops::BatchNormGeometry& g, bool batch_statistics)
      : saved_{{std::move(x), std::move(mean), std::move(invstd), std::move(weight)}},
        geometry_(g),
        batch_statistics_(batch_statistics) {}
  const char* name() const override { return "NativeBatchNormBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    Tensor none_w, none_b;
    // Inputs are x, then weight and bias when defined (both or neither: see batch_norm()).
    Tensor& dweight = d.size() > 1 ? d[1] : none_w;
    Tensor& dbias = d.size() > 2 ? d[2] : none_b;
    const Tensor* weight = saved_.t[3].defined() ? &saved_.t[3] : nullptr;
    ops::batch_norm_backward(d[0], dweight, dbias, dout, saved_.t[0], saved_.t[1], saved_.t[2],
                             weight, geometry_, batch_statistics_);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<4> saved_;
  ops::BatchNormGeometry geometry_;
  bool batch_statistics_;
};

}  // namespace

Var batch_norm(const Var& x, const Var& weight, const Var& bias, const BatchNormArgs& args) {
  checked(x, "batch_norm");
  LOCKSTEP_CHECK(weight.defined() == bias.defined(),
                 "batch_norm: weight and bias must both be given or both be undefined");
  LOCKSTEP_CHECK((args.running_mean == nullptr) == (args.running_var == nullptr),
                 "batch_norm: running_mean and running_var must both be given or neither");
  LOCKSTEP_CHECK(args.momentum >= 0.0f && args.momentum <= 1.0f,
                 "batch_norm: momentum must be in [0, 1], got ", args.momentum);
  LOCKSTEP_CHECK(args.eps > 0.0f, "batch_norm: eps must be positive, got ", args.eps);
  const ops::BatchNormGeometry& g = args.geometry;
  const Shape channels{1, g.channels};
  const bool batch_statistics = args.training || args.running_mean == nullptr;
  Tensor mean, invstd;
  if (batch_statistics) {
    ops::batch_norm_check_batch(x.shape(), g);
    mean = Tensor::empty(channels);
    invstd = Tensor::empty(channels);
    const bool update = args.training && args.update_running && args.running_mean != nullptr;
    Tensor var = update ? Tensor::empty(channels) : Tensor();
    ops::batch_norm_stats(mean, invstd, update ? &var : nullptr, x.value(), g, args.eps);
    if (update) {
      const float m = args.momentum;
      Tensor& rm = *args.running_mean;
      Tensor& rv = *args.running_var;
      LOCKSTEP_CHECK(rm.shape() == channels && rv.shape() == channels,
                     "batch_norm: running statistics of shapes ", rm.shape(), " and ", rv.shape(),
                     ", expected ", channels);
      for (Index c = 0; c < g.channels; ++c) {
        rm.data()[c] = (1.0f - m) * rm.data()[c] + m * mean.data()[c];
        rv.data()[c] = (1.0f - m) * rv.data()[c] + m * var.data()[c];
      }
    }
  } else {
    mean = args.running_mean->clone();  // the values this forward used, for the backward
    invstd = Tensor::empty(channels);
    ops::batch_norm_invstd(invstd, *args.running_var, args.eps);
  }
  const Tensor* w = weight.defined() ? &weight.value() : nullptr;
  const Tensor* b = bias.defined() ? &bias.value() : nullptr;
  Tensor out = Tensor::empty(x.shape());
  ops::batch_norm_forward(out, x.value(), mean, invstd, w, b, g);
  return finish(std::move(out),
                {&x, weight.defined() ? &weight : nullptr, bias.defined() ? &bias : nullptr}, [&] {
                  return detail::make_node<BatchNormBackward>(
                      x.value(), mean, invstd, w ? *w : Tensor(), g, batch_statistics);
                });
}

}  // namespace lockstep
