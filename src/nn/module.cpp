#include "lockstep/nn/module.hpp"

#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {
void check_name(const std::string& name, const std::vector<std::pair<std::string, Var>>& params,
                const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children,
                const std::vector<Module::NamedBuffer>& buffers) {
  LOCKSTEP_CHECK(!name.empty() && name.find('.') == std::string::npos,
                 "invalid parameter or module name '", name, "' (non-empty, no '.')");
  for (const auto& [n, _] : params)
    LOCKSTEP_CHECK(n != name, "name '", name, "' is already a parameter");
  for (const auto& [n, _] : children)
    LOCKSTEP_CHECK(n != name, "name '", name, "' is already a module");
  for (const auto& b : buffers)
    LOCKSTEP_CHECK(b.name != name, "name '", name, "' is already a buffer");
}
}  // namespace

Var Module::register_parameter(const std::string& name, Tensor value, bool requires_grad,
                               std::vector<Index> torch_shape) {
  check_name(name, params_, children_, buffers_);
  if (torch_shape.empty()) torch_shape = {value.rows(), value.cols()};
  Index n = 1;
  for (Index d : torch_shape) n *= d;
  LOCKSTEP_CHECK(n == value.numel(), "register_parameter('", name, "'): PyTorch shape with ", n,
                 " elements for a tensor of shape ", value.shape());
  Var v(std::move(value), requires_grad);
  params_.emplace_back(name, v);
  shapes_.push_back(std::move(torch_shape));
  return v;
}

void Module::register_buffer(const std::string& name, Tensor& storage,
                             std::vector<Index> torch_shape) {
  check_name(name, params_, children_, buffers_);
  LOCKSTEP_CHECK(storage.defined(), "register_buffer('", name, "'): undefined tensor");
  if (torch_shape.empty()) torch_shape = {storage.rows(), storage.cols()};
  Index n = 1;
  for (Index d : torch_shape) n *= d;
  LOCKSTEP_CHECK(n == storage.numel(), "register_buffer('", name, "'): PyTorch shape with ", n,
                 " elements for a tensor of shape ", storage.shape());
  buffers_.push_back({name, std::move(torch_shape), &storage, nullptr});
}

void Module::register_buffer(const std::string& name, std::int64_t& storage) {
  check_name(name, params_, children_, buffers_);
  buffers_.push_back({name, {}, nullptr, &storage});
}

void Module::collect_buffers(const std::string& prefix, std::vector<NamedBuffer>& out) const {
  for (const auto& b : buffers_) out.push_back({prefix + b.name, b.shape, b.tensor, b.integer});
  for (const auto& [name, child] : children_) child->collect_buffers(prefix + name + ".", out);
}

std::vector<Module::NamedBuffer> Module::named_buffers() const {
  std::vector<NamedBuffer> out;
  collect_buffers("", out);
  return out;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  LOCKSTEP_CHECK(module != nullptr, "register_module('", name, "'): null module");
  check_name(name, params_, children_, buffers_);
  children_.emplace_back(name, std::move(module));
}

void Module::collect(const std::string& prefix,
                     std::vector<std::pair<std::string, Var>>& out) const {
  for (const auto& [name, v] : params_) out.emplace_back(prefix + name, v);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

std::vector<std::pair<std::string, Var>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Var>> out;
  collect("", out);
  return out;
}

void Module::collect_shapes(std::vector<std::vector<Index>>& out) const {
  for (const auto& s : shapes_) out.push_back(s);
  for (const auto& [_, child] : children_) child->collect_shapes(out);
}

std::vector<std::vector<Index>> Module::parameter_shapes() const {
  std::vector<std::vector<Index>> out;
  collect_shapes(out);
  return out;
}

std::vector<Var> Module::parameters() const {
  std::vector<Var> out;
  for (auto& [_, v] : named_parameters()) out.push_back(v);
  return out;
}

Index Module::num_parameters() const {
  Index n = 0;
  for (const auto& v : parameters()) n += v.value().numel();
  return n;
}

void Module::zero_grad() {
  for (auto& v : parameters()) v.zero_grad();
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [_, child] : children_) child->train(on);
}

}  // namespace lockstep
