#include "lockstep/tensor/tensor.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <ostream>
#include <sstream>

#include "lockstep/core/error.hpp"
#include "lockstep/core/pool.hpp"
#include "tensor/shape_text.hpp"

namespace lockstep {

std::ostream& operator<<(std::ostream& out, const Shape& s) {
  return out << '[' << s.rows << ", " << s.cols << ']';
}

std::string detail::shape_text(std::span<const Index> dims) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < dims.size(); ++i) out << (i ? ", " : "") << dims[i];
  out << ']';
  return out.str();
}

std::shared_ptr<float> allocate_floats_uninitialized(Index count) {
  LOCKSTEP_CHECK(count >= 0, "cannot allocate a negative number of floats: ", count);
  const std::size_t bytes = static_cast<std::size_t>(std::max<Index>(count, 1)) * sizeof(float);
  auto* p = static_cast<float*>(detail::pool_allocate(bytes));
  // Data and control block both come from the pool: a steady-state step allocates nothing.
  return std::shared_ptr<float>(
      p, [bytes](float* q) { detail::pool_free(q, bytes); }, PoolAllocator<float>{});
}

std::shared_ptr<float> allocate_floats(Index count) {
  auto p = allocate_floats_uninitialized(count);
  std::memset(p.get(), 0, static_cast<std::size_t>(std::max<Index>(count, 1)) * sizeof(float));
  return p;
}

Tensor::Tensor(Shape shape) : Tensor(empty(shape)) {
  if (numel() > 0) std::memset(data_, 0, static_cast<std::size_t>(numel()) * sizeof(float));
}

Tensor Tensor::empty(Shape shape) {
  LOCKSTEP_CHECK(shape.rows >= 0 && shape.cols >= 0, "invalid tensor shape ", shape);
  auto storage = allocate_floats_uninitialized(shape.numel());
  Tensor t;
  t.data_ = storage.get();
  t.owner_ = std::move(storage);
  t.shape_ = shape;
  return t;
}

Tensor Tensor::full(Shape shape, float value) {
  Tensor t(shape);
  t.fill_(value);
  return t;
}

Tensor Tensor::from_data(const float* data, Shape shape) {
  Tensor t(shape);
  if (shape.numel() > 0) {
    LOCKSTEP_CHECK(data != nullptr, "from_data: null pointer for shape ", shape);
    std::memcpy(t.data_, data, static_cast<std::size_t>(shape.numel()) * sizeof(float));
  }
  return t;
}

Tensor Tensor::from_vector(std::span<const float> values, Shape shape) {
  LOCKSTEP_CHECK(static_cast<Index>(values.size()) == shape.numel(), "from_vector: ", values.size(),
                 " values cannot fill shape ", shape, " (", shape.numel(), " elements)");
  return from_data(values.data(), shape);
}

Tensor Tensor::column(std::span<const float> values) {
  return from_vector(values, Shape{static_cast<Index>(values.size()), 1});
}

Tensor Tensor::row(std::span<const float> values) {
  return from_vector(values, Shape{1, static_cast<Index>(values.size())});
}

Tensor Tensor::from_rows(std::initializer_list<std::initializer_list<float>> rows) {
  const Index r = static_cast<Index>(rows.size());
  const Index c = r == 0 ? 0 : static_cast<Index>(rows.begin()->size());
  Tensor t(Shape{r, c});
  Index i = 0;
  for (const auto& row : rows) {
    LOCKSTEP_CHECK(static_cast<Index>(row.size()) == c, "from_rows: row ", i, " has ", row.size(),
                   " values, row 0 has ", c);
    std::copy(row.begin(), row.end(), t.data_ + i * c);
    ++i;
  }
  return t;
}

Tensor Tensor::scalar(float value) { return full(Shape{1, 1}, value); }

Tensor Tensor::view(std::shared_ptr<void> owner, float* data, Shape shape) {
  LOCKSTEP_CHECK(owner != nullptr, "Tensor::view needs an owner to keep the memory alive");
  LOCKSTEP_CHECK(data != nullptr || shape.numel() == 0, "Tensor::view: null data for shape ",
                 shape);
  Tensor t;
  t.owner_ = std::move(owner);
  t.data_ = data;
  t.shape_ = shape;
  return t;
}

float Tensor::at(Index r, Index c) const {
  LOCKSTEP_CHECK(r >= 0 && r < shape_.rows && c >= 0 && c < shape_.cols, "index (", r, ", ", c,
                 ") is out of bounds for shape ", shape_);
  return (*this)(r, c);
}

float Tensor::item() const {
  LOCKSTEP_CHECK(numel() == 1, "item() needs a tensor with one element, got shape ", shape_);
  return data_[0];
}

Tensor Tensor::clone() const { return from_data(data_, shape_); }

Tensor Tensor::rows_view(Index begin, Index count) const {
  LOCKSTEP_CHECK(begin >= 0 && count >= 0 && begin + count <= shape_.rows, "rows_view(", begin,
                 ", ", count, ") is out of range for shape ", shape_);
  Tensor t;
  t.owner_ = owner_;
  t.data_ = data_ + begin * shape_.cols;
  t.shape_ = Shape{count, shape_.cols};
  return t;
}

Tensor Tensor::reshape(Shape shape) const {
  LOCKSTEP_CHECK(shape.numel() == numel(), "cannot reshape ", shape_, " (", numel(),
                 " elements) to ", shape);
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

void Tensor::fill_(float value) { std::fill(data_, data_ + numel(), value); }

void Tensor::add_(const Tensor& other, float alpha) {
  LOCKSTEP_CHECK(other.shape() == shape_, "add_: shapes differ: ", shape_, " and ", other.shape());
  map() += alpha * other.map();
}

void Tensor::mul_(float factor) { map() *= factor; }

void Tensor::copy_(const Tensor& other) {
  LOCKSTEP_CHECK(other.shape() == shape_, "copy_: shapes differ: ", shape_, " and ", other.shape());
  if (numel() > 0 && other.data_ != data_)
    std::memmove(data_, other.data_, static_cast<std::size_t>(numel()) * sizeof(float));
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) {
  out << "Tensor" << t.shape() << " [";
  for (Index r = 0; r < t.rows(); ++r) {
    out << (r ? ", [" : "[");
    for (Index c = 0; c < t.cols(); ++c) out << (c ? ", " : "") << t(r, c);
    out << ']';
  }
  return out << ']';
}

}  // namespace lockstep
