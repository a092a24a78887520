#include "train/observers/trace.hpp"

namespace lockstep {

TraceObserver::TraceObserver(std::string path, int replicas, int loader_workers, Warnings& warnings)
    : path_(std::move(path)),
      replicas_(replicas),
      loader_workers_(loader_workers),
      trace_(!path_.empty()),
      output_("--trace " + path_, warnings, SideOutput::Failure::give_up) {
  trace_.name_thread(TraceRecorder::kMainThread, loader_workers_ > 0
                                                     ? "main (data wait, all-reduce+update)"
                                                     : "main (batch loading, all-reduce+update)");
  for (int r = 0; r < replicas_; ++r)
    trace_.name_thread(TraceRecorder::kReplicaBase + r, "replica " + std::to_string(r));
}

CollateFn TraceObserver::load_batch() {
  if (!trace_.enabled()) return {};
  return [this](const Dataset& ds, std::span<const Index> idx, Batch& batch) {
    const double t0 = trace_.now_us();
    ds.get_batch(idx, batch.x, batch.y);  // what the loader does without a collate_fn
    const int tid = loader_workers_ > 0 ? trace_.worker_tid() : TraceRecorder::kMainThread;
    trace_.complete("load batch", tid, t0, trace_.now_us() - t0, batch.index);
  };
}

bool TraceObserver::on_batch(const TrainState& state, const StepStats& s) {
  if (!trace_.enabled()) return true;
  const std::int64_t step = state.progress.step - (s.stepped ? 1 : 0);  // steps before this one
  const double start = trace_.us_of(s.started);
  trace_.complete("data wait", TraceRecorder::kMainThread, start - s.data_wait_s * 1e6,
                  s.data_wait_s * 1e6, step);
  for (int r = 0; r < replicas_; ++r)
    trace_.complete("forward/backward", TraceRecorder::kReplicaBase + r, start,
                    s.forward_backward_s[std::size_t(r)] * 1e6, step);
  trace_.complete("all-reduce+update", TraceRecorder::kMainThread,
                  start + (s.total_s - s.reduce_update_s) * 1e6, s.reduce_update_s * 1e6, step);
  return true;
}

void TraceObserver::on_epoch_end(const TrainState&, const EpochSummary& epoch) {
  if (epoch.validated)
    trace_.complete("validation", TraceRecorder::kMainThread, trace_.us_of(epoch.val_started),
                    epoch.val_seconds * 1e6);
}

void TraceObserver::on_end(const TrainState& state) {
  if (!trace_.enabled()) return;
  const double start = trace_.us_of(state.started);
  trace_.complete("training", TraceRecorder::kMainThread, start, trace_.now_us() - start);
  output_.attempt([&] { trace_.write(path_); });
}

}  // namespace lockstep
