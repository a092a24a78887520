// src/data/embedded_files.hpp — internal: the files of data/ compiled into the library. The
// table is generated at build time by cmake/EmbedFiles.cmake (see src/CMakeLists.txt).
#pragma once

#include <cstddef>

namespace lockstep::detail {

struct EmbeddedFile {
  const char* name;  // file name, e.g. "iris.csv"
  const unsigned char* data;
  std::size_t size;
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const std::size_t kEmbeddedFileCount;

}  // namespace lockstep::detail
