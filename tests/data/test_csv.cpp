#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>

#include "data/reader_test_util.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/csv.hpp"

namespace lockstep {
namespace {

using testing::error_of;
using testing::TempDir;

// --- parse_float -----------------------------------------------------------------------------

TEST(ParseFloat, AcceptsDecimalNumbers) {
  EXPECT_EQ(parse_float("1"), 1.0f);
  EXPECT_EQ(parse_float("-2.5"), -2.5f);
  EXPECT_EQ(parse_float("+3"), 3.0f);
  EXPECT_EQ(parse_float(" 4.25\t"), 4.25f);
  EXPECT_EQ(parse_float("1e3"), 1000.0f);
  EXPECT_EQ(parse_float("1E-2"), 0.01f);
  EXPECT_EQ(parse_float(".5"), 0.5f);
  EXPECT_EQ(parse_float("5."), 5.0f);
  EXPECT_EQ(parse_float("-0"), -0.0f);
  EXPECT_EQ(parse_float("4.8598"), 4.8598f);
}

TEST(ParseFloat, RoundsThroughDoubleLikeNumpy) {
  // np.float32(np.float64("0.1")) == np.float32("0.1") here; the double is rounded to float.
  EXPECT_EQ(parse_float("0.1"), static_cast<float>(0.1));
  EXPECT_EQ(parse_float("3.4028234663852886e38"), std::numeric_limits<float>::max());
}

TEST(ParseFloat, RejectsJunkEmptyHexAndOutOfRange) {
  for (const char* bad : {"", " ", "abc", "1.5x", "1 2", "1,5", "--1", "+-1", "++1", "0x10", "1e",
                          "e3", ".", "-", "1e39", "-1e39", "1e400", "\"1\""}) {
    EXPECT_FALSE(parse_float(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ParseFloat, NonFiniteOnlyWhenAllowed) {
  for (const char* text : {"nan", "NaN", "inf", "-inf", "Infinity", "+inf"}) {
    EXPECT_FALSE(parse_float(text).has_value()) << text;
    EXPECT_TRUE(parse_float(text, true).has_value()) << text;
  }
  EXPECT_TRUE(std::isnan(*parse_float("nan", true)));
  EXPECT_EQ(*parse_float("-inf", true), -std::numeric_limits<float>::infinity());
}

// --- parsing good text ---------------------------------------------------------------------

TEST(Csv, NumericTargetIsRegression) {
  CsvData d = parse_csv("x,y\n0,1\n1,1.3\n2,3.1\n");
  EXPECT_EQ(d.features.shape(), (Shape{3, 1}));
  EXPECT_EQ(d.targets.shape(), (Shape{3, 1}));
  EXPECT_EQ(d.features.to_vector(), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(d.targets.to_vector(), (std::vector<float>{1, 1.3f, 3.1f}));
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x"}));
  EXPECT_EQ(d.target_name, "y");
  EXPECT_FALSE(d.is_classification());
  EXPECT_TRUE(d.class_names.empty());
}

TEST(Csv, StringLabelsBecomeClassIdsInSortedOrder) {
  CsvData d = parse_csv("a,b,label\n1,2,virginica\n3,4,setosa\n5,6,versicolor\n7,8,setosa\n");
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(d.targets.to_vector(), (std::vector<float>{2, 0, 1, 0}));
  EXPECT_EQ(d.num_classes(), 3);
  EXPECT_EQ(d.features.to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(Csv, ForcedNumericClassesSortByValue) {
  CsvData d = parse_csv("x,c\n0,10\n1,2\n2,1\n3,2\n", {.target_kind = CsvTargetKind::kClasses});
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"1", "2", "10"}));
  EXPECT_EQ(d.targets.to_vector(), (std::vector<float>{2, 1, 0, 1}));
}

TEST(Csv, QuotedFieldsWithDelimitersEscapesAndLineBreaks) {
  const std::string text =
      "\"x\",\"the \"\"label\"\"\"\n"
      "1,\"a,b\"\n"
      "\"2\",\"say \"\"hi\"\"\"\n"
      "3,\"two\nlines\"\n"
      "4,\"a,b\"\n";
  CsvData d = parse_csv(text);
  EXPECT_EQ(d.target_name, "the \"label\"");
  EXPECT_EQ(d.features.to_vector(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a,b", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(d.targets.to_vector(), (std::vector<float>{0, 1, 2, 0}));
}

TEST(Csv, LineNumbersCountLineBreaksInsideQuotes) {
  // The record on line 4 spans lines 4-5, so the bad value is on line 6.
  const std::string msg =
      error_of([] { parse_csv("x,y\n1,a\n2,b\n3,\"c\nd\"\nzz,e\n", {}, "q.csv"); });
  EXPECT_CONTAINS(msg, "q.csv line 6, column 'x': 'zz' is not a number");
}

TEST(Csv, CrLfLineEndsAndMissingFinalNewline) {
  CsvData a = parse_csv("x,y\r\n1,2\r\n3,4\r\n");
  CsvData b = parse_csv("x,y\r\n1,2\r\n3,4");
  CsvData c = parse_csv("x,y\n1,2\n3,4");
  CsvData d = parse_csv("x,y\r1,2\r3,4\r");  // old Mac line ends
  for (const CsvData* data : {&a, &b, &c, &d}) {
    EXPECT_EQ(data->features.to_vector(), (std::vector<float>{1, 3}));
    EXPECT_EQ(data->targets.to_vector(), (std::vector<float>{2, 4}));
    EXPECT_EQ(data->target_name, "y");
  }
}

TEST(Csv, ByteOrderMarkAndBlankLinesAreSkipped) {
  CsvData d = parse_csv("\xEF\xBB\xBFx,y\n\n1,2\n\r\n\n3,4\n\n");
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x"}));
  EXPECT_EQ(d.size(), 2);
}

TEST(Csv, TargetByNameOrIndex) {
  const std::string text = "a,b,c\n1,2,3\n4,5,6\n";
  CsvData by_name = parse_csv(text, {.target = "a"});
  EXPECT_EQ(by_name.target_name, "a");
  EXPECT_EQ(by_name.feature_names, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(by_name.targets.to_vector(), (std::vector<float>{1, 4}));
  EXPECT_EQ(by_name.features.to_vector(), (std::vector<float>{2, 3, 5, 6}));
  CsvData by_index = parse_csv(text, {.target_index = 1});
  EXPECT_EQ(by_index.target_name, "b");
  CsvData from_end = parse_csv(text, {.target_index = -3});
  EXPECT_EQ(from_end.target_name, "a");
}

TEST(Csv, ChooseAndDropFeatureColumns) {
  const std::string text = "id,a,b,c,y\nx1,1,2,3,9\nx2,4,5,6,8\n";
  CsvData chosen = parse_csv(text, {.features = {"c", "a"}});
  EXPECT_EQ(chosen.feature_names, (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ(chosen.features.to_vector(), (std::vector<float>{3, 1, 6, 4}));
  // The string column 'id' is never parsed once it is dropped.
  CsvData dropped = parse_csv(text, {.drop = {"id", "b"}});
  EXPECT_EQ(dropped.feature_names, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(dropped.features.to_vector(), (std::vector<float>{1, 3, 4, 6}));
  EXPECT_EQ(dropped.targets.to_vector(), (std::vector<float>{9, 8}));
}

TEST(Csv, FeaturesOnlyWithoutATargetColumn) {
  // New data to predict on: the feature columns by name, in the wanted order; the rest (an id
  // of text, a target that may or may not be there) is never parsed.
  const std::string text = "id,b,a\nx1,2,1\nx2,5,4\n";
  CsvData d = parse_csv(text, {.features = {"a", "b"}, .read_target = false});
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.features.to_vector(), (std::vector<float>{1, 2, 4, 5}));
  EXPECT_FALSE(d.targets.defined());
  EXPECT_EQ(d.target_name, "");
  EXPECT_FALSE(d.is_classification());
  // Without a feature list every column is a feature.
  CsvData all = parse_csv("a,b\n1,2\n", {.read_target = false});
  EXPECT_EQ(all.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(all.features.to_vector(), (std::vector<float>{1, 2}));
  // ... but one named as the target, when there is one.
  CsvData but_target = parse_csv("a,y,b\n1,9,2\n", {.target = "y", .read_target = false});
  EXPECT_EQ(but_target.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(but_target.features.to_vector(), (std::vector<float>{1, 2}));
  EXPECT_FALSE(but_target.targets.defined());
  CsvData no_such = parse_csv("a,b\n1,2\n", {.target = "y", .read_target = false});
  EXPECT_EQ(no_such.feature_names, (std::vector<std::string>{"a", "b"}));
}

TEST(Csv, OtherDelimiterAndNonFiniteWhenAllowed) {
  CsvData d = parse_csv("a;b\nnan;1\n-inf;2\n", {.delimiter = ';', .allow_nonfinite = true});
  EXPECT_TRUE(std::isnan(d.features(0, 0)));
  EXPECT_EQ(d.features(1, 0), -std::numeric_limits<float>::infinity());
}

TEST(Csv, DatasetSharesTheTensors) {
  CsvData d = parse_csv("x,y\n1,2\n3,4\n");
  auto ds = d.dataset();
  EXPECT_EQ(ds->size(), 2);
  Example e = ds->get(1);
  EXPECT_EQ(e.x.to_vector(), (std::vector<float>{3}));
  EXPECT_EQ(e.y.to_vector(), (std::vector<float>{4}));
  EXPECT_TRUE(ds->features().shares_storage_with(d.features));
}

// --- real files ---------------------------------------------------------------------------

TEST(Csv, ReadsIrisFromDisk) {
  CsvData iris = read_csv(std::string(LOCKSTEP_DATA_DIR) + "/iris.csv");
  EXPECT_EQ(iris.features.shape(), (Shape{150, 4}));
  EXPECT_EQ(iris.feature_names, (std::vector<std::string>{"sepal_length", "sepal_width",
                                                          "petal_length", "petal_width"}));
  EXPECT_EQ(iris.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(iris.features.at(0, 0), 5.1f);
  EXPECT_EQ(iris.features.at(0, 1), 3.5f);
  EXPECT_EQ(iris.targets.at(0, 0), 0.0f);
  EXPECT_EQ(iris.targets.at(149, 0), 2.0f);
  std::vector<int> counts(3);
  for (float c : iris.targets.span()) ++counts[static_cast<std::size_t>(c)];
  EXPECT_EQ(counts, (std::vector<int>{50, 50, 50}));
}

TEST(Csv, ReadsAFileWrittenToDisk) {
  TempDir dir;
  const auto path = dir.write("small.csv", "a,b,t\r\n1,2,yes\r\n3,4,no\r\n");
  CsvData d = read_csv(path, {.target = "t"});
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(d.targets.to_vector(), (std::vector<float>{1, 0}));
}

// --- bad input: every message names the file and the line / column ------------------------

TEST(CsvErrors, EmptyFile) {
  TempDir dir;
  const auto path = dir.write("empty.csv", "");
  const std::string msg = error_of([&] { read_csv(path); });
  EXPECT_CONTAINS(msg, "empty.csv");
  EXPECT_CONTAINS(msg, "empty");
  EXPECT_CONTAINS(error_of([] { parse_csv("\n\r\n", {}, "blank.csv"); }), "blank.csv");
}

TEST(CsvErrors, NoDataRows) {
  TempDir dir;
  const auto path = dir.write("header_only.csv", "a,b,c\n");
  const std::string msg = error_of([&] { read_csv(path); });
  EXPECT_CONTAINS(msg, "header_only.csv");
  EXPECT_CONTAINS(msg, "no data rows");
  EXPECT_CONTAINS(msg, "line 1");
}

TEST(CsvErrors, WrongNumberOfFields) {
  TempDir dir;
  const auto path = dir.write("iris.csv",
                              "sepal_length,sepal_width,petal_length,petal_width,species\n"
                              "5.1,3.5,1.4,0.2,setosa\n"
                              "4.9,3,1.4,0.2,setosa\n"
                              "4.7,3.2,1.3,0.2,setosa\n"
                              "4.6,3.1,1.5,0.2,setosa\n"
                              "5,3.6,1.4,0.2,setosa\n"
                              "5.4,3.9,1.7,setosa\n"
                              "4.6,3.4,1.4,0.3,setosa\n");
  const std::string msg = error_of([&] { read_csv(path); });
  EXPECT_CONTAINS(msg, "iris.csv line 7: expected 5 fields, got 4");
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,2,3\n", {}, "extra.csv"); }),
                  "extra.csv line 2: expected 2 fields, got 3");
  // A trailing delimiter is one more (empty) field.
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,2,\n", {}, "t.csv"); }),
                  "t.csv line 2: expected 2 fields, got 3");
}

TEST(CsvErrors, NonNumericValueNamesLineAndColumn) {
  TempDir dir;
  const auto path = dir.write("iris.csv",
                              "sepal_length,sepal_width,species\n"
                              "5.1,3.5,setosa\n"
                              "4.9,abc,setosa\n");
  const std::string msg = error_of([&] { read_csv(path); });
  EXPECT_CONTAINS(msg, "iris.csv line 3, column 'sepal_width': 'abc' is not a number");
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b,c\n1,,3\n", {}, "e.csv"); }),
                  "e.csv line 2, column 'b': '' is not a number");
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1x,2\n", {}, "j.csv"); }),
                  "j.csv line 2, column 'a': '1x' is not a number");
}

TEST(CsvErrors, NonFiniteAndOutOfRangeValues) {
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\nnan,2\n", {}, "n.csv"); }),
                  "n.csv line 2, column 'a': 'nan' is not finite");
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,2\n1e40,2\n", {}, "r.csv"); }),
                  "r.csv line 3, column 'a': '1e40' is out of float32 range");
}

TEST(CsvErrors, UnknownTargetColumnListsTheColumns) {
  const std::string msg =
      error_of([] { parse_csv("sepal,petal,species\n1,2,a\n", {.target = "specis"}, "i.csv"); });
  EXPECT_CONTAINS(msg, "i.csv");
  EXPECT_CONTAINS(msg, "'specis'");
  EXPECT_CONTAINS(msg, "'sepal', 'petal', 'species'");
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,2\n", {.features = {"z"}}, "f.csv"); }),
                  "no column named 'z'");
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,2\n", {.drop = {"q"}}, "d.csv"); }),
                  "no column named 'q'");
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,2\n", {.target_index = 2}, "x.csv"); }),
                  "target_index 2 is out of range for 2 columns");
}

TEST(CsvErrors, EveryMissingColumnIsNamedAtOnce) {
  const std::string msg = error_of([] {
    parse_csv("b,id\n1,2\n", {.target = "y", .features = {"a", "b", "c"}}, "m.csv");
  });
  EXPECT_CONTAINS(msg, "m.csv: no column named 'y' (the target) and 'a', 'c' (in features)");
  EXPECT_CONTAINS(msg, "the columns are: 'b', 'id'");
  EXPECT_CONTAINS(
      error_of([] {
        parse_csv("b\n1\n", {.features = {"a", "b", "c"}, .read_target = false}, "p.csv");
      }),
      "p.csv: no column named 'a', 'c' (in features)");
}

TEST(CsvErrors, DuplicateHeaderNames) {
  const std::string msg = error_of([] { parse_csv("a,b,a,y\n1,2,3,4\n", {}, "dup.csv"); });
  EXPECT_CONTAINS(msg, "dup.csv line 1: duplicate column name 'a' (columns 1 and 3)");
}

TEST(CsvErrors, BadColumnChoices) {
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,2\n", {.features = {"b"}}, "c.csv"); }),
                  "'b' is the target");
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,2\n", {.drop = {"a"}}, "c.csv"); }),
                  "no feature columns");
  EXPECT_CONTAINS(error_of([] { parse_csv("y\n1\n", {}, "one.csv"); }), "no feature columns");
}

TEST(CsvErrors, MixedTargetIsAnErrorNotClasses) {
  const std::string msg =
      error_of([] { parse_csv("x,progression\n1,151\n2,75\n3,abc\n", {}, "diabetes.csv"); });
  EXPECT_CONTAINS(msg, "diabetes.csv");
  EXPECT_CONTAINS(msg, "mixes numbers (line 2: '151') and other values (line 4: 'abc')");
  EXPECT_CONTAINS(error_of([] {
                    parse_csv("x,y\n1,2\n2,abc\n", {.target_kind = CsvTargetKind::kNumeric},
                              "num.csv");
                  }),
                  "num.csv line 3, column 'y': 'abc' is not a number");
  EXPECT_CONTAINS(error_of([] { parse_csv("x,y\n1,a\n2,\n", {}, "lab.csv"); }),
                  "lab.csv line 3, column 'y': empty target value");
}

TEST(CsvErrors, BrokenQuoting) {
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,\"open\n2,3\n", {}, "q.csv"); }),
                  "q.csv line 2, column 'b': the quoted field opened on this line is never closed");
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,\"x\"y\n", {}, "q.csv"); }),
                  "q.csv line 2, column 'b': unexpected 'y' after the closing quote");
  EXPECT_CONTAINS(error_of([] { parse_csv("a,b\n1,x\"y\"\n", {}, "q.csv"); }),
                  "q.csv line 2, column 'b': a '\"' inside an unquoted field");
}

TEST(CsvErrors, RandomTextEitherParsesOrThrows) {
  // Texts drawn from the characters that matter to the parser: each parses or throws
  // lockstep::Error naming the source (run under ASan/UBSan by the sanitizer builds).
  static constexpr char kAlphabet[] = {',', '"', '\n', '\r', 'a', 'b',
                                       '1', '2', '.',  '-',  'e', ' '};
  Generator gen(2024);
  int parsed = 0, refused = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text = trial % 2 ? "x,y\n" : "";
    const auto length = gen.below(40);
    for (std::uint64_t i = 0; i < length; ++i) text += kAlphabet[gen.below(sizeof(kAlphabet))];
    try {
      CsvData d = parse_csv(text, {}, "random.csv");
      EXPECT_EQ(d.features.rows(), d.targets.rows());
      EXPECT_GT(d.size(), 0);
      ++parsed;
    } catch (const Error& e) {
      EXPECT_CONTAINS(e.what(), "random.csv");
      ++refused;
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(refused, 0);
}

// Found by fuzz/fuzz_csv: a text ending in the delimiter made the reader look at the byte after
// the string_view for an opening quote. Here that byte is a '"' (the view is a prefix of a
// longer buffer), which used to be taken as a quoted field that is never closed; under ASan an
// exactly sized buffer gives a heap-buffer-overflow. The last field is empty: not a number.
TEST(CsvErrors, TextEndingInTheDelimiterStopsAtItsEnd) {
  const std::string buffer = "y,x\n1,\"";
  const std::string_view text(buffer.data(), buffer.size() - 1);
  const CsvOptions first_is_target{.target_index = 0};
  const std::string message = error_of([&] { parse_csv(text, first_is_target, "trailing.csv"); });
  EXPECT_CONTAINS(message, "trailing.csv line 2, column 'x'");
  EXPECT_EQ(message.find("quoted"), std::string::npos) << message;
  const auto exact = std::make_unique<char[]>(6);
  std::memcpy(exact.get(), "a,b\n1,", 6);
  EXPECT_CONTAINS(error_of([&] { parse_csv(std::string_view(exact.get(), 6), first_is_target); }),
                  "line 2");
}

TEST(CsvErrors, MissingFileAndDirectoryNameThePath) {
  TempDir dir;
  EXPECT_CONTAINS(error_of([&] { read_csv(dir / "missing.csv"); }), "missing.csv");
  EXPECT_CONTAINS(error_of([&] { read_csv(dir.path()); }), "is a directory");
}

}  // namespace
}  // namespace lockstep
