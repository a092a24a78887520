// lockstep/data/iterable_dataset.hpp — streaming datasets (torch.utils.data.IterableDataset).
//
// A stream has no random access: the loader reads it in order, one sample after the other,
// on one thread at a time (never concurrently), and hands the collated batches to its workers
// for the transforms. reset(epoch) starts the stream over for each epoch.
//
//   class Counter : public lockstep::IterableDataset {
//    public:
//     lockstep::Index feature_dim() const override { return 1; }
//     lockstep::Index target_dim() const override { return 1; }
//     void reset(lockstep::Index) override { i_ = 0; }
//     bool next(std::span<float> x, std::span<float> y) override {
//       if (i_ == 100) return false;
//       x[0] = float(i_); y[0] = float(2 * i_++); return true;
//     }
//    private:
//     int i_ = 0;
//   };
#pragma once

#include <span>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

class IterableDataset {
 public:
  virtual ~IterableDataset() = default;
  virtual Index feature_dim() const = 0;
  virtual Index target_dim() const = 0;
  /// Restarts the stream for `epoch`.
  virtual void reset(Index epoch) = 0;
  /// Writes the next sample and returns true, or returns false at the end of the stream.
  virtual bool next(std::span<float> x, std::span<float> y) = 0;
};

}  // namespace lockstep
