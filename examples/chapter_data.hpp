// The chapter's linear-regression toy data (also in data/seed_linear.csv), standardized as the
// chapter does: X_norm = (X - mean(X)) / std(X).
#pragma once

#include <array>
#include <lockstep/lockstep.hpp>

namespace chapter {

inline lockstep::Tensor x_train() {
  std::array<float, 10> x{};
  for (int i = 0; i < 10; ++i) x[std::size_t(i)] = float(i);
  return lockstep::Tensor::column(x);
}

inline lockstep::Tensor y_train() {
  const std::array<float, 10> y{1.0f, 1.3f, 3.1f, 2.0f, 5.0f, 6.3f, 6.6f, 7.4f, 8.0f, 9.0f};
  return lockstep::Tensor::column(y);
}

}  // namespace chapter
