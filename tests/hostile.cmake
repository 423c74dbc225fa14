# Hostile input (label `hostile`: `ctest -L hostile`): tests/test_hostile.c
# for the library's API, tests/cli_hostile.cmake for the `pto` CLI.
set_tests_properties(test_hostile PROPERTIES LABELS hostile)
add_test(NAME hostile_cli
  COMMAND ${CMAKE_COMMAND} -DPTO=$<TARGET_FILE:pto_cli>
          -DEXAMPLE=${CMAKE_SOURCE_DIR}/examples/diamond
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cli_hostile.cmake)
set_tests_properties(hostile_cli PROPERTIES LABELS hostile TIMEOUT 120
  ENVIRONMENT "PTO_CACHE_DIR=${CMAKE_BINARY_DIR}/kcache")
