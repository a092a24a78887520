#include "train/observers/checkpoints.hpp"

#include "lockstep/train/checkpoint.hpp"
#include "lockstep/train/resume.hpp"

namespace lockstep {

CheckpointObserver::CheckpointObserver(const TrainSession& session, Warnings& warnings)
    : session_(session),
      config_json_(checkpoint_settings_json(session.config)),
      output_("--checkpoint-dir " + session.config.checkpoint_dir, warnings,
              SideOutput::Failure::retry) {}

void CheckpointObserver::write(const TrainProgress& progress) {
  const std::string& dir = session_.config.checkpoint_dir;
  if (dir.empty()) return;
  output_.attempt([&] {
    save_checkpoint(dir, *session_.model.net, *session_.optimizer, session_.schedule.get(),
                    progress, config_json_);
    last_ = checkpoint_file(dir).string();
  });
}

bool CheckpointObserver::on_batch(const TrainState& state, const StepStats& stats) {
  const std::int64_t every = session_.config.checkpoint_every;
  if (stats.stepped && every > 0 && state.progress.step % every == 0) write(state.progress);
  return true;
}

void CheckpointObserver::on_epoch_end(const TrainState& state, const EpochSummary& epoch) {
  // With no --checkpoint-every, at every epoch's end (unless gradients are still accumulating).
  if (!state.done && session_.config.checkpoint_every == 0 && state.batches_since_step == 0)
    write({epoch.epoch + 1, 0, state.progress.step, 0.0, 0});
}

void CheckpointObserver::on_end(const TrainState& state) {
  if (state.interrupted)
    write(state.progress);  // exactly where it stopped: --resume continues from here
  else if (state.batches_since_step == 0)
    write({state.epochs, 0, state.progress.step, 0.0, 0});
}

}  // namespace lockstep
