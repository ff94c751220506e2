# Build step of CMakeLists.txt (cmake -P): builds the library with cargo, then
# finishes the templates that name the system libraries a static link needs,
# which only rustc can tell.
#   -DCARGO= -DSOURCE_DIR= -DTARGET_DIR= -DTEMPLATES=<folder of X.in> -DOUTPUT_DIR=<folder for X>

# `cargo rustc` rather than `cargo build` only to pass rustc `--print
# native-static-libs`; it builds the same lib (cdylib, staticlib, rlib) into the
# same folder. When nothing is stale, cargo replays rustc's cached report.
# `--color never` keeps the report parseable whatever CARGO_TERM_COLOR says.
execute_process(
  COMMAND "${CARGO}" rustc --release --lib --color never --target-dir "${TARGET_DIR}"
          -- --print native-static-libs
  WORKING_DIRECTORY "${SOURCE_DIR}"
  ERROR_VARIABLE cargo_stderr ECHO_ERROR_VARIABLE
  COMMAND_ERROR_IS_FATAL ANY)

# The wasmtime-rr command (replay without the host, inspect) is installed too.
execute_process(
  COMMAND "${CARGO}" build --release --bin wasmtime-rr --color never --target-dir "${TARGET_DIR}"
  WORKING_DIRECTORY "${SOURCE_DIR}"
  COMMAND_ERROR_IS_FATAL ANY)

string(REGEX MATCH "native-static-libs: ([^\n]*)" report "${cargo_stderr}")
if(NOT report)
  message(FATAL_ERROR "cargo did not print rustc's native-static-libs report")
endif()
string(STRIP "${CMAKE_MATCH_1}" WASMTIME_RR_NATIVE_STATIC_LIBS)
# CMake wants library names where rustc writes -lNAME; other flags stay as they are.
separate_arguments(WASMTIME_RR_NATIVE_STATIC_LIBS_CMAKE UNIX_COMMAND "${WASMTIME_RR_NATIVE_STATIC_LIBS}")
list(TRANSFORM WASMTIME_RR_NATIVE_STATIC_LIBS_CMAKE REPLACE "^-l" "")
message(STATUS "system libraries of the static library: ${WASMTIME_RR_NATIVE_STATIC_LIBS}")

# Only the two placeholders are replaced: the templates are otherwise final.
file(GLOB templates "${TEMPLATES}/*.in")
foreach(template IN LISTS templates)
  cmake_path(GET template STEM LAST_ONLY name)
  file(READ "${template}" text)
  foreach(placeholder IN ITEMS WASMTIME_RR_NATIVE_STATIC_LIBS WASMTIME_RR_NATIVE_STATIC_LIBS_CMAKE)
    string(REPLACE "@${placeholder}@" "${${placeholder}}" text "${text}")
  endforeach()
  file(WRITE "${OUTPUT_DIR}/${name}" "${text}")
endforeach()
