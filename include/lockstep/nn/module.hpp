// lockstep/nn/module.hpp — the base of every layer and model (torch.nn.Module).
//
// A Module owns named parameters (leaf Vars requiring grad) and named child modules;
// named_parameters() walks them depth-first with PyTorch's dotted names ("0.weight"), so
// state can be exchanged with PyTorch's state_dict. Buffers are state that is saved with the
// parameters but not trained (BatchNorm's running statistics, its int64 num_batches_tracked);
// named_buffers() walks them the same way.
//
//   class TwoLayer : public lockstep::Module {
//    public:
//     TwoLayer() { fc1_ = register_module("fc1", std::make_shared<lockstep::Linear>(4, 8)); }
//     lockstep::Var forward(const lockstep::Var& x) override { return (*fc1_)(x); }
//    private:
//     std::shared_ptr<lockstep::Linear> fc1_;
//   };
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lockstep/autograd/variable.hpp"

namespace lockstep {

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Var forward(const Var& input) = 0;
  Var operator()(const Var& input) { return forward(input); }

  /// All parameters, depth-first in registration order.
  std::vector<Var> parameters() const;
  /// All parameters with dotted names ("weight", "fc1.bias", "0.weight").
  std::vector<std::pair<std::string, Var>> named_parameters() const;
  /// The shape of each parameter as PyTorch's state_dict has it, in named_parameters() order
  /// (a Linear bias is stored as a [1, out] row but is [out] in PyTorch).
  std::vector<std::vector<Index>> parameter_shapes() const;
  /// A buffer: a float tensor (`tensor`, with `shape` its PyTorch shape) or a single int64
  /// (`integer`, shape []). The pointers are into the module that registered it.
  struct NamedBuffer {
    std::string name;
    std::vector<Index> shape;
    Tensor* tensor = nullptr;
    std::int64_t* integer = nullptr;
  };
  /// All buffers with dotted names ("1.running_mean"), depth-first in registration order.
  std::vector<NamedBuffer> named_buffers() const;
  /// The number of scalar parameters.
  Index num_parameters() const;
  /// Zeroes every parameter's gradient in place.
  void zero_grad();

  /// Training mode (the default) or evaluation mode, for this module and its children.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

 protected:
  /// Registers `value` as a parameter (a leaf requiring grad) and returns it. `torch_shape` is
  /// the parameter's shape in PyTorch when it differs from the 2-D one (same element count).
  Var register_parameter(const std::string& name, Tensor value, bool requires_grad = true,
                         std::vector<Index> torch_shape = {});
  /// Registers `storage` (a member of the derived module, which outlives the registration) as a
  /// float buffer saved under `torch_shape` (default: its 2-D shape).
  void register_buffer(const std::string& name, Tensor& storage,
                       std::vector<Index> torch_shape = {});
  /// Registers an int64 counter (a member of the derived module) as a buffer of shape [].
  void register_buffer(const std::string& name, std::int64_t& storage);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Var>>& out) const;
  void collect_shapes(std::vector<std::vector<Index>>& out) const;
  void collect_buffers(const std::string& prefix, std::vector<NamedBuffer>& out) const;

  std::vector<std::pair<std::string, Var>> params_;
  std::vector<std::vector<Index>> shapes_;
  std::vector<NamedBuffer> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace lockstep
