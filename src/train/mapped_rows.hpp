// src/train/mapped_rows.hpp (internal) — the rows of a mapped .npy features file as a training
// or validation set, without loading them into memory.
//
// Sample i is row rows[i] of the file (every row in file order when no rows are given), read
// through the mapping when a batch is drawn and standardized on the way with the scaler's
// statistics (transform_row: the same arithmetic as Standardizer::transform, so the batches
// hold the bits an in-memory copy would). Targets are a [file rows, t] tensor in memory. Two
// views of one file (the training and validation split) share the mapping.
//
//   NpyArray x("big.npy");
//   Tensor y = NpyArray("labels.npy").to_tensor();
//   auto all = std::make_shared<MappedRows>(x, y);                       // raw rows
//   scaler.fit(*all);                                                    // streamed
//   auto train = std::make_shared<MappedRows>(x, y, train_rows, scaler); // a view
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "lockstep/data/dataset.hpp"
#include "lockstep/data/npy.hpp"
#include "lockstep/data/standardizer.hpp"

namespace lockstep {

class MappedRows final : public Dataset {
 public:
  /// `targets` has one row per row of `features`; every entry of `rows` is a row of the file.
  MappedRows(NpyArray features, Tensor targets, std::optional<std::vector<Index>> rows = {},
             std::optional<Standardizer> scaler = {});

  Index size() const override { return rows_ ? Index(rows_->size()) : features_.rows(); }
  Index feature_dim() const override { return features_.cols(); }
  Index target_dim() const override { return targets_.cols(); }
  void get(Index index, std::span<float> x, std::span<float> y) const override;
  using Dataset::get;
  /// Checks every index first (a SampleError names the bad one), then reads row by row.
  void get_batch(std::span<const Index> indices, Tensor& x, Tensor& y) const override;

 private:
  Index file_row(Index index) const { return rows_ ? (*rows_)[std::size_t(index)] : index; }
  void read(Index index, float* x, float* y) const;

  NpyArray features_;
  Tensor targets_;
  std::optional<std::vector<Index>> rows_;
  std::optional<Standardizer> scaler_;
};

}  // namespace lockstep
