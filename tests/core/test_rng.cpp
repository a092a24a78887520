#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"

namespace lockstep {

// The first outputs of the documented algorithm (xoshiro256** seeded by splitmix64) for seed 0,
// computed independently from the published reference algorithm. They pin the generator: a
// change here changes every seeded result users have.
TEST(Generator, KnownOutputsForSeedZero) {
  // splitmix64(0) sequence, from the reference implementation.
  std::uint64_t sm = 0;
  EXPECT_EQ(splitmix64(sm), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(splitmix64(sm), 0x6E789E6AA1B965F4ULL);
  // xoshiro256** seeded with four splitmix64(0) outputs: its first outputs, computed with an
  // independent Python transcription of the two reference algorithms.
  Generator g(0);
  EXPECT_EQ(g.next_u64(), 0x99EC5F36CB75F2B4ULL);
  EXPECT_EQ(g.next_u64(), 0xBF6E1F784956452AULL);
  EXPECT_EQ(g.next_u64(), 0x1A5F849D4933E6E0ULL);
}

TEST(Generator, XoshiroStepMatchesReference) {
  // Reference xoshiro256** on state {1, 2, 3, 4}: first output is rotl(2 * 5, 7) * 9 = 11520.
  Generator g(0);
  g.set_state({1, 2, 3, 4}, 0);
  EXPECT_EQ(g.next_u64(), 11520ULL);
  EXPECT_EQ(g.next_u64(), 0ULL);  // second output of the reference for this state
  EXPECT_EQ(g.next_u64(), 1509978240ULL);
}

TEST(Generator, SameSeedSameStreamDifferentSeedDifferentStream) {
  Generator a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 16; ++i) {
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    differs |= x != c.next_u64();
  }
  EXPECT_TRUE(differs);
}

TEST(Generator, UniformInRangeWithPlausibleMean) {
  Generator g(7);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const float u = g.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.01);
}

TEST(Generator, NormalHasMeanZeroUnitVariance) {
  Generator g(11);
  const int n = 200000;
  double s = 0, ss = 0;
  for (int i = 0; i < n; ++i) {
    const double z = g.normal();
    ASSERT_TRUE(std::isfinite(z));
    s += z;
    ss += z * z;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(ss / n, 1.0, 0.02);
}

TEST(Generator, BelowIsUnbiasedAndInRange) {
  Generator g(3);
  std::array<int, 3> counts{};
  for (int i = 0; i < 30000; ++i) {
    const auto v = g.below(3);
    ASSERT_LT(v, 3u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
  EXPECT_THROW(g.below(0), Error);
}

TEST(Generator, PermutationIsAPermutationAndSeedDependent) {
  Generator g(5);
  auto p = g.permutation(50);
  auto sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> iota(50);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  EXPECT_NE(p, iota);
  Generator h(5);
  EXPECT_EQ(h.permutation(50), p);
  EXPECT_TRUE(g.permutation(0).empty());
  EXPECT_THROW(g.permutation(-1), Error);
}

TEST(Generator, FisherYatesGivesEveryOrderOfThreeEquallyOften) {
  Generator g(9);
  std::map<std::vector<std::int64_t>, int> seen;
  for (int i = 0; i < 60000; ++i) ++seen[g.permutation(3)];
  ASSERT_EQ(seen.size(), 6u);
  for (const auto& [perm, count] : seen) EXPECT_NEAR(count, 10000, 450);
}

TEST(Generator, DeriveIsPureAndKeySensitive) {
  auto a = Generator::derive(1, {0}).next_u64();
  EXPECT_EQ(a, Generator::derive(1, {0}).next_u64());
  EXPECT_NE(a, Generator::derive(1, {1}).next_u64());
  EXPECT_NE(a, Generator::derive(2, {0}).next_u64());
  EXPECT_NE(Generator::derive(1, {0, 1}).next_u64(), Generator::derive(1, {1, 0}).next_u64());
}

TEST(Generator, StateRoundTrips) {
  Generator g(123);
  g.next_u64();
  const auto state = g.state();
  const auto x = g.next_u64();
  Generator h;
  h.set_state(state, 123);
  EXPECT_EQ(h.next_u64(), x);
  EXPECT_THROW(h.set_state({0, 0, 0, 0}, 0), Error);
}

TEST(Generator, ManualSeedResetsDefaultGenerator) {
  manual_seed(1);
  const auto x = default_generator().next_u64();
  manual_seed(1);
  EXPECT_EQ(default_generator().next_u64(), x);
}

}  // namespace lockstep
