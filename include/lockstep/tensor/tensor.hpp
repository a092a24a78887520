// lockstep/tensor/tensor.hpp — a float32, row-major, 2-D array backed by shared storage.
//
// A Tensor is a handle: copying it shares the data (as torch.Tensor does); clone() copies.
// Vectors are 1-row or 1-column tensors. Storage is 64-byte aligned; views (row ranges, or
// tensors pointing into a caller-owned buffer such as a flat parameter block) share it and
// keep it alive. Math goes through Eigen via map().
//
//   lockstep::Tensor x = lockstep::Tensor::from_rows({{1, 2}, {3, 4}});
//   lockstep::Tensor y = x.clone();
//   y.map() *= 2.0f;                      // Eigen expression on the data
//   lockstep::Tensor top = x.rows_view(0, 1);  // shares x's storage
//   std::cout << x.shape();               // [2, 2]
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <span>
#include <vector>

namespace lockstep {

using Index = std::int64_t;

struct Shape {
  Index rows = 0;
  Index cols = 0;
  constexpr Index numel() const { return rows * cols; }
  friend constexpr bool operator==(const Shape&, const Shape&) = default;
};
std::ostream& operator<<(std::ostream& out, const Shape& s);  // prints "[rows, cols]"

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;

class Tensor {
 public:
  /// An undefined (empty, 0x0) tensor.
  Tensor() = default;
  /// A zero-filled tensor of the given shape.
  explicit Tensor(Shape shape);
  Tensor(Index rows, Index cols) : Tensor(Shape{rows, cols}) {}

  static Tensor zeros(Shape shape) { return Tensor(shape); }
  /// A tensor whose contents are unspecified (torch.empty): for outputs a kernel overwrites
  /// entirely, where zero-filling would be wasted memory traffic.
  static Tensor empty(Shape shape);
  static Tensor ones(Shape shape) { return full(shape, 1.0f); }
  static Tensor full(Shape shape, float value);
  /// Copies rows*cols floats from `data` (row-major).
  static Tensor from_data(const float* data, Shape shape);
  /// Copies `values` (row-major); values.size() must equal shape.numel().
  static Tensor from_vector(std::span<const float> values, Shape shape);
  /// A column vector (n x 1) holding `values`.
  static Tensor column(std::span<const float> values);
  /// A row vector (1 x n) holding `values`.
  static Tensor row(std::span<const float> values);
  /// Nested initializer list, one inner list per row; all rows must have the same length.
  static Tensor from_rows(std::initializer_list<std::initializer_list<float>> rows);
  /// A single value as a 1x1 tensor.
  static Tensor scalar(float value);
  /// Copies any Eigen matrix expression.
  template <class Derived>
  static Tensor from_eigen(const Eigen::MatrixBase<Derived>& m) {
    Tensor t(Shape{static_cast<Index>(m.rows()), static_cast<Index>(m.cols())});
    t.map() = m.template cast<float>();
    return t;
  }
  /// A tensor over memory owned by someone else; `owner` is kept alive as long as the view.
  static Tensor view(std::shared_ptr<void> owner, float* data, Shape shape);

  bool defined() const { return owner_ != nullptr; }
  Shape shape() const { return shape_; }
  Index rows() const { return shape_.rows; }
  Index cols() const { return shape_.cols; }
  Index numel() const { return shape_.numel(); }
  float* data() { return data_; }
  const float* data() const { return data_; }
  std::span<float> span() { return {data_, static_cast<std::size_t>(numel())}; }
  std::span<const float> span() const { return {data_, static_cast<std::size_t>(numel())}; }

  MatrixMap map() { return MatrixMap(data_, shape_.rows, shape_.cols); }
  ConstMatrixMap map() const { return ConstMatrixMap(data_, shape_.rows, shape_.cols); }

  /// Unchecked element access.
  float& operator()(Index r, Index c) { return data_[r * shape_.cols + c]; }
  float operator()(Index r, Index c) const { return data_[r * shape_.cols + c]; }
  /// Bounds-checked element access.
  float at(Index r, Index c) const;
  /// The single value of a 1x1 tensor.
  float item() const;

  /// A deep copy with its own storage.
  Tensor clone() const;
  /// Rows [begin, begin + count) as a view sharing this tensor's storage.
  Tensor rows_view(Index begin, Index count) const;
  /// The same data seen with another shape of the same element count (shares storage).
  Tensor reshape(Shape shape) const;
  /// True when both tensors point into the same storage.
  bool shares_storage_with(const Tensor& other) const { return owner_ && owner_ == other.owner_; }
  /// How many handles (tensors and views) share this storage, this one included.
  long storage_use_count() const { return owner_.use_count(); }

  void fill_(float value);
  void zero_() { fill_(0.0f); }
  /// this += alpha * other (same shape).
  void add_(const Tensor& other, float alpha = 1.0f);
  void mul_(float factor);
  /// Copies other's values into this tensor's storage (same shape).
  void copy_(const Tensor& other);

  std::vector<float> to_vector() const { return {data_, data_ + numel()}; }

 private:
  std::shared_ptr<void> owner_;
  float* data_ = nullptr;
  Shape shape_{};
};

std::ostream& operator<<(std::ostream& out, const Tensor& t);

/// Allocates `count` floats, 64-byte aligned and zero-filled, owned by the returned pointer.
std::shared_ptr<float> allocate_floats(Index count);
/// The same without zero-filling: the contents are unspecified.
std::shared_ptr<float> allocate_floats_uninitialized(Index count);

}  // namespace lockstep
