# Compile flags for the fuzz configuration (-DCILIUMC_FUZZ=ON), included from the root
# CMakeLists.txt before any target is defined so that the whole project is instrumented.
#  - ASan+UBSan on everything; UBSan does not recover, so undefined behaviour aborts and
#    libFuzzer saves the input like any other crash.
#  - `fuzzer-no-link` adds libFuzzer's coverage instrumentation to the libraries without
#    pulling in libFuzzer's `main`; only the fuzz targets link with `-fsanitize=fuzzer`.
# Other executables (ciliumc, unit tests) still link: the ASan runtime provides the coverage
# callbacks.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CILIUMC_FUZZ=ON needs clang (libFuzzer): "
                      "-DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19")
endif()
if(CILIUMC_SANITIZE)
  message(STATUS "CILIUMC_FUZZ=ON already enables the sanitizers; CILIUMC_SANITIZE is redundant")
endif()
add_compile_options(-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
# clang reports libstdc++ 12's own use of the deprecated std::get_temporary_buffer (inside
# std::stable_sort) at every call site; gcc, which builds the other configurations, does not.
add_compile_options(-Wno-deprecated-declarations)
