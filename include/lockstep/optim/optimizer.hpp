// lockstep/optim/optimizer.hpp — the base of optimizers (torch.optim.Optimizer).
//
// An optimizer holds the parameters it updates (Var handles sharing the model's storage);
// step() updates their values from their accumulated gradients, zero_grad() zeroes those
// gradients in place (their storage is kept, so views into flat buffers stay valid). A
// parameter whose gradient is undefined (no backward reached it) is skipped, as in PyTorch.
//
// lr() and set_lr() are what learning-rate schedules drive. state_dict() exports the
// optimizer's per-parameter state (momentum buffers, moment estimates, step counts) as named
// tensors for checkpoints, "state.<parameter index>.<field>" as in PyTorch
// ("state.0.exp_avg", "state.0.step", "state.1.momentum_buffer"); step counts are held exactly as
// std::int64_t values (a float32 tensor would round them past 2^24). load_state_dict also takes
// a count as a 1x1 tensor holding an integer up to 2^24, as older checkpoints stored it.
// Hyperparameters (the learning rate included) are not part of it: they come from the
// options the optimizer is built with, and the learning rate from the schedule's own state.
//
//   lockstep::SGD opt(model.parameters(), lockstep::SGDOptions(0.001));
//   loss.backward();
//   opt.step();
//   opt.zero_grad();
//   auto state = opt.state_dict();      // copies; save them with the model
//   fresh_opt.load_state_dict(state);   // checks every name and shape before changing anything
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "lockstep/autograd/variable.hpp"

namespace lockstep {

class Optimizer {
 public:
  /// A state value: a tensor, or a step count held exactly.
  using StateValue = std::variant<Tensor, std::int64_t>;
  /// Named values, in a fixed order (by parameter, then field).
  using StateDict = std::vector<std::pair<std::string, StateValue>>;

  explicit Optimizer(std::vector<Var> params);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter whose gradient is defined: prepare_step(), then
  /// update_slice(i, 0, numel) for each such parameter.
  void step();

  /// The fused data-parallel path (see DataParallel): prepare_step() once, then
  /// update_slice() from several threads over disjoint element ranges, each thread the range of
  /// the flat buffer it has just reduced. Together they are exactly one step().
  /// prepare_step() does the per-step bookkeeping (step counts, bias corrections, first-step
  /// buffers) for the parameters whose gradient is defined.
  virtual void prepare_step() = 0;
  /// Updates elements [begin, end) of parameter `index` (whose gradient is defined). Safe to
  /// call concurrently for disjoint ranges.
  virtual void update_slice(std::size_t index, Index begin, Index end) = 0;
  void zero_grad();
  const std::vector<Var>& parameters() const { return params_; }

  /// The learning rate the next step() uses.
  virtual double lr() const = 0;
  /// Sets the learning rate; throws lockstep::Error ("Invalid learning rate: -1") unless it is
  /// finite and >= 0.
  void set_lr(double lr);

  /// A copy of the per-parameter state ("state.<i>.<field>"), independent of later steps.
  StateDict state_dict() const;
  /// Replaces the per-parameter state with `state` (values are copied). Every entry is checked
  /// first — known name, parameter index in range, no duplicate, shape, step counts holding
  /// non-negative integers, required entries present — and an error names the offending
  /// entry; on error the optimizer is unchanged.
  void load_state_dict(const StateDict& state);

 protected:
  /// One field of a parameter's state, as load_state_dict expects it.
  struct StateField {
    std::string name;       // "exp_avg"
    Shape shape;            // the parameter's shape, or [1, 1] for a step count
    bool required = true;   // false: may be absent (SGD's momentum buffer before a first step)
    bool is_count = false;  // a step count (see state_count)
  };
  /// A parameter's state by field name, as handed to load_param_state (already checked).
  using ParamState = std::map<std::string, StateValue, std::less<>>;

  /// The fields parameter `index`'s state may have.
  virtual std::vector<StateField> state_fields(std::size_t index) const = 0;
  /// Appends copies of parameter `index`'s current state fields (in state_fields() order;
  /// optional fields only when present) to `out` through put_state().
  virtual void save_param_state(std::size_t index, StateDict& out) const = 0;
  /// Replaces parameter `index`'s state with `state` (names and shapes already checked).
  virtual void load_param_state(std::size_t index, const ParamState& state) = 0;
  /// Stores a validated learning rate.
  virtual void apply_lr(double lr) = 0;

  /// Appends "state.<index>.<field>" holding a copy of `value` to `out`.
  static void put_state(StateDict& out, std::size_t index, std::string_view field,
                        const Tensor& value);
  /// Appends "state.<index>.<field>" holding `count` exactly.
  static void put_count(StateDict& out, std::size_t index, std::string_view field,
                        std::int64_t count);
  /// The tensor of a checked (non-count) state value.
  static const Tensor& tensor_value(const StateValue& v) { return std::get<Tensor>(v); }

  std::vector<Var> params_;
};

/// The count a state value named `name` holds: an int64 >= 0, or a 1x1 tensor holding an
/// integer in [0, 2^24] (a float32 count beyond that may have been rounded). Throws
/// lockstep::Error ("load_state_dict: entry 'state.0.step' must hold a non-negative integer
/// count, got -1") otherwise.
std::int64_t state_count(std::string_view name, const Optimizer::StateValue& value);

}  // namespace lockstep
