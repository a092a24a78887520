#include "lockstep/parallel/data_parallel.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/clock.hpp"
#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/shard_context.hpp"
#include "lockstep/optim/clip.hpp"

namespace lockstep {

using detail::Clock;
using detail::seconds_since;

void DataParallelOptions::validate() const {
  LOCKSTEP_CHECK(threads >= 1, "DataParallel: threads must be >= 1, got ", threads);
  LOCKSTEP_CHECK(micro_shards >= 1, "DataParallel: micro_shards must be >= 1, got ", micro_shards);
  LOCKSTEP_CHECK(micro_shards >= threads, "DataParallel: micro_shards (", micro_shards,
                 ") must be at least the number of threads (", threads, ")");
  LOCKSTEP_CHECK(accumulate >= 1, "DataParallel: accumulate must be >= 1, got ", accumulate);
  LOCKSTEP_CHECK(stall_timeout.count() >= 0, "DataParallel: stall timeout must be >= 0, got ",
                 stall_timeout.count(), " ms");
  LOCKSTEP_CHECK(std::isfinite(max_grad_norm) && max_grad_norm >= 0,
                 "DataParallel: max_grad_norm must be finite and >= 0, got ", max_grad_norm);
}

DataParallel::DataParallel(Module& model, LossFn loss, Optimizer& optimizer,
                           DataParallelOptions options)
    : model_(model), loss_(std::move(loss)), optimizer_(optimizer), options_(options) {
  options_.validate();
  LOCKSTEP_CHECK(loss_ != nullptr, "DataParallel: no loss function");
  auto params = model_.parameters();
  LOCKSTEP_CHECK(params.size() == optimizer_.parameters().size(),
                 "DataParallel: the optimizer holds ", optimizer_.parameters().size(),
                 " parameters, the model ", params.size());
  for (std::size_t i = 0; i < params.size(); ++i)
    LOCKSTEP_CHECK(params[i].impl() == optimizer_.parameters()[i].impl(),
                   "DataParallel: optimizer parameter ", i, " is not the model's parameter ", i);
  flat_ = std::make_unique<FlatParameters>(params);
  flat_->zero_grad();

  // One gradient buffer per micro-shard, zero-filled once: the alignment padding between
  // parameters is never written afterwards, so it stays zero through every tree sum.
  const Index M = options_.micro_shards, R = options_.threads;
  shard_sinks_.reserve(std::size_t(M));
  for (Index k = 0; k < M; ++k) {
    shard_grads_.push_back(allocate_floats(flat_->size()));
    shard_sinks_.emplace_back(shard_grads_.back().get(), GradSink::Mode::overwrite);
    shard_sinks_.back().reserve(params.size());  // so marking never allocates in a step
  }
  shard_loss_.resize(std::size_t(M));
  shard_rows_.resize(std::size_t(M));
  working_on_ = std::vector<std::atomic<Index>>(std::size_t(R));
  for (auto& w : working_on_) w.store(-1);
  group_ = std::make_unique<ReplicaGroup>(int(R), options_.stall_timeout);
}

DataParallel::~DataParallel() {
  // The replica threads first: after a stall a late replica may still use this object's state.
  group_.reset();
}

// Forward and backward of one micro-shard; its parameter gradients (of the shard's summed loss)
// are written straight into the shard's buffer by the backward kernels (the shard's overwriting
// sink, given to backward()): no memset of the buffer, no temporary gradient, no add.
void DataParallel::compute_shard(Index shard) {
  const Index M = options_.micro_shards;
  const Index begin = shard * batch_rows_ / M, end = (shard + 1) * batch_rows_ / M;
  const Index rows = end - begin;
  shard_rows_[std::size_t(shard)] = rows;
  shard_loss_[std::size_t(shard)] = 0;
  if (rows == 0) return;
  try {
    float* buffer = shard_grads_[std::size_t(shard)].get();
    GradSink& sink = shard_sinks_[std::size_t(shard)];
    sink.clear();
    // What random modules (Dropout) key their masks on: the batch and the global row.
    ShardContext context{
        .epoch = std::uint64_t(key_.epoch), .batch = std::uint64_t(key_.index), .first_row = begin};
    ShardContextGuard context_guard(&context);
    Var out = model_(Var(x_.rows_view(begin, rows)));
    Var loss = loss_(out, Var(y_.rows_view(begin, rows)));
    LOCKSTEP_CHECK(loss.value().numel() == 1, "DataParallel: the loss function returned shape ",
                   loss.shape(), "; it must reduce to one value (mean or sum)");
    // Seeding with the row count turns the shard's mean loss into its sum over samples.
    loss.backward(Tensor::scalar(float(rows)), sink);
    shard_loss_[std::size_t(shard)] = loss.item();
    // Parameters the loss does not depend on (unused, frozen) got no gradient: zero.
    const auto& params = flat_->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Index off = flat_->offset(i);
      if (!sink.written(off))
        std::memset(buffer + off, 0, std::size_t(params[i].value().numel()) * sizeof(float));
    }
  } catch (const std::exception& e) {
    std::throw_with_nested(Error(detail::str_cat(describe_shard(shard), ": ", e.what())));
  }
}

// "shard 7 (rows 14-15 of 16)": where in the batch a failing or stalled replica was.
std::string DataParallel::describe_shard(Index shard) const {
  const Index M = options_.micro_shards;
  const Index begin = shard * batch_rows_ / M, end = (shard + 1) * batch_rows_ / M;
  return detail::str_cat("shard ", shard, " (rows ", begin, "-", end - 1, " of ", batch_rows_, ")");
}

// The tree node [lo, hi) for elements [begin, end): a shard's buffer, or the sum of the two
// children accumulated in place into the left child's buffer. Null when every shard is empty.
const float* DataParallel::reduce_node(Index lo, Index hi, Index begin, Index end) {
  if (hi - lo == 1)
    return shard_rows_[std::size_t(lo)] == 0 ? nullptr : shard_grads_[std::size_t(lo)].get();
  const Index mid = (lo + hi) / 2;
  const float* left = reduce_node(lo, mid, begin, end);
  const float* right = reduce_node(mid, hi, begin, end);
  if (left == nullptr) return right;
  if (right == nullptr) return left;
  auto* out = const_cast<float*>(left);  // the left child's shard buffer, this chunk only
  Eigen::Map<Eigen::ArrayXf>(out + begin, end - begin) +=
      Eigen::Map<const Eigen::ArrayXf>(right + begin, end - begin);
  return left;
}

void DataParallel::check_batch(const Tensor& x, const Tensor& y, BatchKey key) const {
  // After a stall a replica may still be reading the last batch: touch nothing, just say so.
  LOCKSTEP_CHECK(group_->broken().empty(),
                 "DataParallel: the replica group is unusable: ", group_->broken());
  LOCKSTEP_CHECK(x.defined() && y.defined(), "DataParallel::step: undefined batch");
  LOCKSTEP_CHECK(x.rows() == y.rows(), "DataParallel::step: features have shape ", x.shape(),
                 " and targets ", y.shape(), " (they need the same number of rows)");
  LOCKSTEP_CHECK(x.rows() > 0, "DataParallel::step: empty batch");
  LOCKSTEP_CHECK(key.epoch >= 0 && key.index >= 0, "DataParallel::step: batch key (epoch ",
                 key.epoch, ", index ", key.index, ") must not be negative");
}

// One step: every replica's shards forward and backward, then the all-reduce with the update.
const StepStats& DataParallel::step(const Tensor& x, const Tensor& y, BatchKey key,
                                    double data_wait_s) {
  const auto start = Clock::now();
  check_batch(x, y, key);
  x_ = x;
  y_ = y;
  key_ = key;
  batch_rows_ = x.rows();
  StepStats& stats = stats_;
  stats.batch = key;
  stats.started = start;
  stats.data_wait_s = data_wait_s;
  stats.samples = batch_rows_;
  stats.grad_norm = std::numeric_limits<double>::quiet_NaN();

  run_forward_backward();
  ++batches_;

  const auto t_reduce = Clock::now();
  ++accumulated_batches_;
  accumulated_samples_ += batch_rows_;
  stats.stepped = accumulated_batches_ == options_.accumulate;
  const float scale = stats.stepped ? 1.0f / float(accumulated_samples_) : 1.0f;
  reduce_update(accumulated_batches_ == 1, stats.stepped, scale);
  if (stats.stepped) accumulated_batches_ = accumulated_samples_ = 0;
  stats.reduce_update_s = seconds_since(t_reduce);
  stats.total_s = seconds_since(start);
  x_ = Tensor();
  y_ = Tensor();
  return stats;
}

// The forward/backward phase on every replica, then the batch's loss and the phase's times.
void DataParallel::run_forward_backward() {
  StepStats& stats = stats_;
  const int R = options_.threads;
  stats.forward_backward_s.assign(std::size_t(R), 0.0);
  try {
    group_->run("forward/backward", forward_backward_);
  } catch (const Error& e) {
    if (group_->broken().empty()) throw;
    // A stall: say which shards were still being worked on, and by whom.
    std::string running;
    for (std::size_t r = 0; r < working_on_.size(); ++r) {
      const Index k = working_on_[r].load(std::memory_order_relaxed);
      if (k >= 0) running += detail::str_cat("; replica ", r, " was on ", describe_shard(k));
    }
    throw Error(detail::str_cat(e.what(), running));
  }
  double loss_sum = 0;
  for (std::size_t k = 0; k < shard_loss_.size(); ++k)
    loss_sum += shard_loss_[k] * double(shard_rows_[k]);
  stats.loss = loss_sum / double(batch_rows_);
  stats.forward_backward_max_s = stats.forward_backward_mean_s = 0;
  for (double t : stats.forward_backward_s) {
    stats.forward_backward_max_s = std::max(stats.forward_backward_max_s, t);
    stats.forward_backward_mean_s += t / R;
  }
}

void DataParallel::forward_backward_phase(int r) {
  const auto t0 = Clock::now();
  // Replica r takes the contiguous run of shards [r M / R, (r + 1) M / R): a fixed assignment,
  // so a stall or an error is always on the same replica for the same shard. (The results
  // would not change with any other assignment; the tree that sums the shards is fixed by M.)
  const Index M = options_.micro_shards, R = options_.threads;
  struct Working {  // this replica's shard in progress; -1 once it returns, or throws
    std::atomic<Index>& shard;
    ~Working() { shard.store(-1, std::memory_order_relaxed); }
  } working{working_on_[std::size_t(r)]};
  for (Index k = r * M / R; k < (r + 1) * M / R; ++k) {
    working.shard.store(k, std::memory_order_relaxed);
    compute_shard(k);
  }
  stats_.forward_backward_s[std::size_t(r)] = seconds_since(t0);
}

// Replica r's chunk of the flat range, a multiple of the alignment.
std::pair<Index, Index> DataParallel::chunk_of(int r) const {
  const Index size = flat_->size();
  const Index chunk = (size / options_.threads + FlatParameters::kAlignFloats - 1) /
                      FlatParameters::kAlignFloats * FlatParameters::kAlignFloats;
  const Index begin = std::min(size, r * chunk);
  return {begin, std::min(size, begin + chunk)};
}

void DataParallel::update_range(Index begin, Index end) {
  const auto& params = flat_->parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Index off = flat_->offset(i), n = params[i].value().numel();
    const Index lo = std::max(begin, off), hi = std::min(end, off + n);
    if (lo < hi) optimizer_.update_slice(i, lo - off, hi - off);
  }
}

// Each replica takes one chunk of the flat range and walks it in L1-sized tiles: the whole
// shard tree's sum, the scaled gradient and the optimizer's update of a tile happen while it is
// in cache, so each shard buffer is read once.
void DataParallel::all_reduce_phase(int r) {
  constexpr Index kTile = 4096;
  const auto [begin, end] = chunk_of(r);
  float* grads = flat_->grads().data();
  const bool first = reduce_.first, fused_update = reduce_.last && !reduce_.split;
  const float scale = reduce_.scale;
  for (Index t0 = begin; t0 < end; t0 += kTile) {
    const Index t1 = std::min(end, t0 + kTile);
    const float* sum = reduce_node(0, options_.micro_shards, t0, t1);
    Eigen::Map<Eigen::ArrayXf> g(grads + t0, t1 - t0);
    if (sum == nullptr) {
      if (first) g.setZero();
      if (!first && scale != 1.0f) g *= scale;
    } else {
      Eigen::Map<const Eigen::ArrayXf> s(sum + t0, t1 - t0);
      if (first) {
        if (scale == 1.0f)
          g = s;
        else
          g = s * scale;
      } else {
        if (scale == 1.0f)
          g += s;
        else
          g = (g + s) * scale;
      }
    }
    if (fused_update) update_range(t0, t1);
  }
}

void DataParallel::update_phase(int r) {
  const auto [begin, end] = chunk_of(r);
  if (begin < end) update_range(begin, end);
}

// The phases run as member functions on member state, never on this function's stack: after a
// stall a late replica may still be running one, and must find everything it touches alive.
void DataParallel::reduce_update(bool first, bool last, float scale) {
  NoGradGuard no_grad;
  const bool clip = options_.max_grad_norm > 0;
  reduce_ = {first, last, last && (clip || options_.before_update != nullptr), scale};
  if (last && !reduce_.split) optimizer_.prepare_step();
  group_->run("all-reduce", all_reduce_);
  if (reduce_.split) {
    if (clip) stats_.grad_norm = clip_grad_norm_(flat_->parameters(), options_.max_grad_norm);
    if (options_.before_update) options_.before_update();
    optimizer_.prepare_step();
    group_->run("update", update_);
  }
}

double DataParallel::rerun_reduce_update() {
  const auto start = Clock::now();
  reduce_update(true, true, 1.0f / float(std::max<Index>(batch_rows_, 1)));
  return seconds_since(start);
}

}  // namespace lockstep
