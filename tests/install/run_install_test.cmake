# cmake -P script: install the built library into a fresh prefix, build an outside project
# whose main.cpp is README.md's usage example, and run it (it exits non-zero unless it trained).
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_install_test.cmake needs -D${var}=...")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
set(project_dir "${WORK_DIR}/consumer")
file(MAKE_DIRECTORY "${project_dir}")

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

run_step(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")

# The README's usage example: the ```cpp block after the <!-- usage-example --> marker.
file(READ "${SOURCE_DIR}/README.md" readme)
string(FIND "${readme}" "<!-- usage-example -->" marker)
if(marker EQUAL -1)
  message(FATAL_ERROR "README.md has no <!-- usage-example --> marker")
endif()
string(SUBSTRING "${readme}" ${marker} -1 rest)
string(FIND "${rest}" "```cpp\n" open)
string(FIND "${rest}" "\n```\n" close)
if(open EQUAL -1 OR close EQUAL -1 OR close LESS open)
  message(FATAL_ERROR "README.md: no ```cpp block after the usage-example marker")
endif()
math(EXPR begin "${open} + 7")
math(EXPR length "${close} - ${begin} + 1")
string(SUBSTRING "${rest}" ${begin} ${length} code)
file(WRITE "${project_dir}/main.cpp" "${code}")
file(COPY "${SOURCE_DIR}/tests/install/consumer/CMakeLists.txt" DESTINATION "${project_dir}")

run_step(${CMAKE_COMMAND} -S "${project_dir}" -B "${project_dir}/build" -G "${GENERATOR}"
         -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${prefix}")
run_step(${CMAKE_COMMAND} --build "${project_dir}/build")
run_step("${project_dir}/build/app")
