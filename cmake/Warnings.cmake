# lockstep_warnings(target): the project's warning flags.
# GCC 12 reports false -W(maybe-)uninitialized warnings inside its own avx512fintrin.h when Eigen
# is compiled for AVX-512 (GCC bug 105593); those two are off for GCC < 13 only.
function(lockstep_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-uninitialized -Wno-maybe-uninitialized)
  endif()
endfunction()
