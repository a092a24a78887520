#include "train/observers/epoch_log.hpp"

#include <cmath>

namespace lockstep {

void EpochLog::on_epoch_end(const TrainState&, const EpochSummary& e) {
  std::fprintf(out_, "Epoch %lld Loss %.4f", (long long)e.epoch + 1, e.train_loss);
  if (e.validated) {
    std::fprintf(out_, "  val_loss %.4f", e.val_loss);
    if (!std::isnan(e.val_accuracy)) std::fprintf(out_, "  val_accuracy %.4f", e.val_accuracy);
  }
  if (!e.finished) std::fprintf(out_, "  (stopped at --max-steps)");
  std::fprintf(out_, "\n");
  std::fflush(out_);
}

}  // namespace lockstep
