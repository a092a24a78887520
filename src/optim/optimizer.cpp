#include "lockstep/optim/optimizer.hpp"

#include <cmath>
#include <string>

#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {

constexpr std::string_view kStatePrefix = "state.";
// Every integer up to 2^24 is exact in float32: the most a count given as a tensor may hold.
constexpr std::int64_t kMaxFloatCount = std::int64_t{1} << 24;

// Splits "state.<index>.<field>"; false when `name` has another form.
bool parse_state_name(std::string_view name, std::size_t& index, std::string_view& field) {
  if (!name.starts_with(kStatePrefix)) return false;
  name.remove_prefix(kStatePrefix.size());
  const std::size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot > 9 || dot + 1 == name.size()) {
    return false;
  }
  std::size_t value = 0;
  for (char c : name.substr(0, dot)) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  index = value;
  field = name.substr(dot + 1);
  return true;
}

std::string state_name(std::size_t index, std::string_view field) {
  return detail::str_cat(kStatePrefix, index, '.', field);
}

}  // namespace

Optimizer::Optimizer(std::vector<Var> params) : params_(std::move(params)) {
  LOCKSTEP_CHECK(!params_.empty(), "optimizer got an empty parameter list");
  for (std::size_t i = 0; i < params_.size(); ++i) {
    LOCKSTEP_CHECK(params_[i].defined(), "optimizer: parameter ", i, " is undefined");
    LOCKSTEP_CHECK(params_[i].is_leaf(), "optimizer: parameter ", i,
                   " is not a leaf (it was computed by ", params_[i].grad_fn_name(), ")");
  }
}

void Optimizer::step() {
  NoGradGuard no_grad;
  prepare_step();
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].grad().defined()) update_slice(i, 0, params_[i].value().numel());
  }
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.zero_grad();
}

void Optimizer::set_lr(double lr) {
  LOCKSTEP_CHECK(std::isfinite(lr) && lr >= 0, "Invalid learning rate: ", lr);
  apply_lr(lr);
}

Optimizer::StateDict Optimizer::state_dict() const {
  StateDict out;
  for (std::size_t i = 0; i < params_.size(); ++i) save_param_state(i, out);
  return out;
}

void Optimizer::load_state_dict(const StateDict& state) {
  std::vector<std::vector<StateField>> fields(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i) fields[i] = state_fields(i);

  std::vector<ParamState> per_param(params_.size());
  for (const auto& [name, value] : state) {
    std::size_t index = 0;
    std::string_view field;
    LOCKSTEP_CHECK(parse_state_name(name, index, field), "load_state_dict: unexpected entry '",
                   name, "' (optimizer state is named state.<parameter index>.<field>)");
    LOCKSTEP_CHECK(index < params_.size(), "load_state_dict: unexpected entry '", name,
                   "': the optimizer has ", params_.size(), " parameter(s)");
    const StateField* spec = nullptr;
    std::string known;
    for (const StateField& f : fields[index]) {
      if (f.name == field) spec = &f;
      known += known.empty() ? f.name : ", " + f.name;
    }
    LOCKSTEP_CHECK(spec != nullptr, "load_state_dict: unexpected entry '", name,
                   "' (this optimizer's state of parameter ", index, " has ",
                   known.empty() ? std::string("no fields") : "the fields " + known, ")");
    if (const Tensor* t = std::get_if<Tensor>(&value)) {
      LOCKSTEP_CHECK(t->defined(), "load_state_dict: entry '", name, "' is undefined");
      LOCKSTEP_CHECK(t->shape() == spec->shape, "load_state_dict: entry '", name, "' has shape ",
                     t->shape(), ", expected ", spec->shape);
    } else {
      LOCKSTEP_CHECK(spec->is_count, "load_state_dict: entry '", name,
                     "' holds a count, expected a tensor of shape ", spec->shape);
    }
    if (spec->is_count) state_count(name, value);
    LOCKSTEP_CHECK(per_param[index].emplace(std::string(field), value).second,
                   "load_state_dict: duplicate entry '", name, "'");
  }
  for (std::size_t i = 0; i < params_.size(); ++i) {
    for (const StateField& f : fields[i]) {
      LOCKSTEP_CHECK(!f.required || per_param[i].contains(f.name),
                     "load_state_dict: missing entry '", state_name(i, f.name), "'");
    }
  }
  for (std::size_t i = 0; i < params_.size(); ++i) load_param_state(i, per_param[i]);
}

void Optimizer::put_state(StateDict& out, std::size_t index, std::string_view field,
                          const Tensor& value) {
  out.emplace_back(state_name(index, field), value.clone());
}

void Optimizer::put_count(StateDict& out, std::size_t index, std::string_view field,
                          std::int64_t count) {
  out.emplace_back(state_name(index, field), count);
}

std::int64_t state_count(std::string_view name, const Optimizer::StateValue& value) {
  if (const auto* count = std::get_if<std::int64_t>(&value)) {
    LOCKSTEP_CHECK(*count >= 0, "load_state_dict: entry '", name,
                   "' must hold a non-negative integer count, got ", *count);
    return *count;
  }
  const Tensor& t = std::get<Tensor>(value);
  LOCKSTEP_CHECK(t.defined() && t.shape() == (Shape{1, 1}), "load_state_dict: entry '", name,
                 "' has shape ", t.shape(), ", expected [1, 1]");
  const float v = t.item();
  LOCKSTEP_CHECK(std::isfinite(v) && v >= 0 && v == std::floor(v), "load_state_dict: entry '", name,
                 "' must hold a non-negative integer count, got ", v);
  LOCKSTEP_CHECK(v <= static_cast<float>(kMaxFloatCount), "load_state_dict: entry '", name,
                 "' holds the float32 count ", v,
                 ", which may have been rounded (float32 counts are exact up to 2^24 only)");
  return static_cast<std::int64_t>(v);
}

}  // namespace lockstep
