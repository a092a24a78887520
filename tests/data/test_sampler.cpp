#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "lockstep/core/error.hpp"
#include "lockstep/data/sampler.hpp"

namespace lockstep {
namespace {

std::vector<Index> sorted(std::vector<Index> v) {
  std::sort(v.begin(), v.end());
  return v;
}
std::vector<Index> iota(Index n) {
  std::vector<Index> v(std::size_t(n), 0);
  std::iota(v.begin(), v.end(), Index{0});
  return v;
}

TEST(Sampler, SequentialAndRandomArePureFunctionsOfTheEpoch) {
  EXPECT_EQ(SequentialSampler(5).indices(3), iota(5));
  RandomSampler r(30, {.seed = 4});
  EXPECT_EQ(r.indices(2), r.indices(2));
  EXPECT_NE(r.indices(2), r.indices(3));
  EXPECT_EQ(sorted(r.indices(2)), iota(30));
  EXPECT_NE(r.indices(0), RandomSampler(30, {.seed = 5}).indices(0));
}

TEST(Sampler, RandomWithReplacementAndNumSamples) {
  RandomSampler r(5, {.seed = 1, .replacement = true, .num_samples = 1000});
  auto v = r.indices(0);
  EXPECT_EQ(v.size(), 1000u);
  std::array<int, 5> counts{};
  for (Index i : v) {
    ASSERT_GE(i, 0);
    ASSERT_LT(i, 5);
    ++counts[std::size_t(i)];
  }
  for (int c : counts) EXPECT_NEAR(c, 200, 60);
  RandomSampler longer(4, {.seed = 1, .num_samples = 10});
  auto w = longer.indices(0);
  EXPECT_EQ(w.size(), 10u);
  EXPECT_EQ(sorted({w.begin(), w.begin() + 4}), iota(4));  // first, a whole permutation
  EXPECT_THROW(RandomSampler(4, {.num_samples = 0}), Error);
}

TEST(Sampler, SubsetRandomPermutesTheSubset) {
  SubsetRandomSampler s({10, 20, 30, 40}, 3);
  EXPECT_EQ(sorted(s.indices(0)), (std::vector<Index>{10, 20, 30, 40}));
  std::set<std::vector<Index>> orders;
  for (int e = 0; e < 10; ++e) orders.insert(s.indices(e));
  EXPECT_GT(orders.size(), 3u);
}

TEST(Sampler, WeightedFollowsTheWeights) {
  WeightedRandomSampler w({1, 0, 3}, 4000, true, 8);
  std::array<int, 3> counts{};
  for (Index i : w.indices(0)) ++counts[std::size_t(i)];
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[0], 1000, 120);
  EXPECT_NEAR(counts[2], 3000, 120);
  WeightedRandomSampler once({5, 1, 0, 2}, 3, false, 2);
  auto v = once.indices(0);
  EXPECT_EQ(std::set<Index>(v.begin(), v.end()).size(), 3u);
  EXPECT_EQ(std::count(v.begin(), v.end(), 2), 0);
  EXPECT_THROW(WeightedRandomSampler({1, 0}, 2, false), Error);
  EXPECT_THROW(WeightedRandomSampler({1, -1}, 2), Error);
}

TEST(Sampler, DistributedShardsCoverTheEpochLikePyTorch) {
  // 10 samples over 3 ranks with padding: 4 each, the first two samples repeated.
  std::vector<Index> all;
  for (Index r = 0; r < 3; ++r) {
    DistributedSampler d(10, 3, r, {.shuffle = false});
    EXPECT_EQ(d.size(), 4);
    auto mine = d.indices(0);
    EXPECT_EQ(mine.size(), 4u);
    all.insert(all.end(), mine.begin(), mine.end());
  }
  EXPECT_EQ(sorted(all), (std::vector<Index>{0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(DistributedSampler(10, 3, 1, {.shuffle = false}).indices(0),
            (std::vector<Index>{1, 4, 7, 0}));
  // Without padding: every sample exactly once.
  all.clear();
  for (Index r = 0; r < 3; ++r) {
    DistributedSampler d(10, 3, r, {.shuffle = true, .seed = 3, .pad = false});
    auto mine = d.indices(5);
    EXPECT_EQ(Index(mine.size()), d.size());
    all.insert(all.end(), mine.begin(), mine.end());
  }
  EXPECT_EQ(sorted(all), iota(10));
  // drop_last: 3 each.
  EXPECT_EQ(DistributedSampler(10, 3, 2, {.drop_last = true}).indices(0).size(), 3u);
  // The epoch reshuffles, the same way on every rank.
  DistributedSampler a(10, 2, 0, {.seed = 1}), b(10, 2, 1, {.seed = 1});
  EXPECT_NE(a.indices(0), a.indices(1));
  auto e0 = a.indices(4), e1 = b.indices(4);
  std::vector<Index> both(e0);
  both.insert(both.end(), e1.begin(), e1.end());
  EXPECT_EQ(sorted(both), iota(10));
  EXPECT_THROW(DistributedSampler(10, 2, 2), Error);
}

TEST(Sampler, BatchSamplerGroups) {
  BatchSampler keep(std::make_shared<SequentialSampler>(7), 3, false);
  auto b = keep.batches(0);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[2], (std::vector<Index>{6}));
  EXPECT_EQ(keep.size(), 3);
  BatchSampler drop(std::make_shared<SequentialSampler>(7), 3, true);
  EXPECT_EQ(drop.batches(0).size(), 2u);
  EXPECT_EQ(drop.size(), 2);
  EXPECT_THROW(BatchSampler(nullptr, 3, false), Error);
  EXPECT_THROW(BatchSampler(std::make_shared<SequentialSampler>(7), 0, false), Error);
}

}  // namespace
}  // namespace lockstep
