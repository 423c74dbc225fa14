# End-to-end tests of the `pto` CLI and the examples (included by
# tests/CMakeLists.txt). Test names start with example_, cli_ or trace_ so
# `ctest -R 'example|trace|cli'` selects them.

set(PTO_KCACHE_ENV "PTO_CACHE_DIR=${CMAKE_BINARY_DIR}/kcache")

# ---- examples: every (blocks, schedulers) shape must PASS
set(PTO_EXAMPLES vector diamond bgemm)
set(PTO_EXAMPLE_SHAPES "1:1" "4:2" "24:3")
foreach(ex ${PTO_EXAMPLES})
  foreach(shape ${PTO_EXAMPLE_SHAPES})
    string(REPLACE ":" ";" bs ${shape})
    list(GET bs 0 blocks)
    list(GET bs 1 scheds)
    set(name example_${ex}_b${blocks}_s${scheds})
    add_test(NAME ${name}
      COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/${ex}
              --blocks ${blocks} --schedulers ${scheds} --quiet)
    set_tests_properties(${name} PROPERTIES
      ENVIRONMENT "${PTO_KCACHE_ENV}"
      TIMEOUT 300
      FAIL_REGULAR_EXPRESSION "FAIL|error:")
  endforeach()
endforeach()

# ---- CLI behaviour
add_test(NAME cli_help COMMAND $<TARGET_FILE:pto_cli> --help)
set_tests_properties(cli_help PROPERTIES PASS_REGULAR_EXPRESSION "usage: pto")

# No command: usage error (exit 2).
add_test(NAME cli_usage_error COMMAND $<TARGET_FILE:pto_cli>)
set_tests_properties(cli_usage_error PROPERTIES WILL_FAIL TRUE)
add_test(NAME cli_bad_option COMMAND $<TARGET_FILE:pto_cli> info --blocks x)
set_tests_properties(cli_bad_option PROPERTIES WILL_FAIL TRUE)

add_test(NAME cli_info_sim
  COMMAND $<TARGET_FILE:pto_cli> info --blocks 4 --schedulers 2)
set_tests_properties(cli_info_sim PROPERTIES
  PASS_REGULAR_EXPRESSION "platform +a2a3sim.*blocks +4"
  FAIL_REGULAR_EXPRESSION "error:")

# a2a3 is toolchain-gated: without CANN (ASCEND_HOME_PATH emptied so the
# result does not depend on the machine), `pto info` must exit 1 ...
add_test(NAME cli_info_a2a3_fails
  COMMAND $<TARGET_FILE:pto_cli> info --platform a2a3)
set_tests_properties(cli_info_a2a3_fails PROPERTIES WILL_FAIL TRUE
  ENVIRONMENT "ASCEND_HOME_PATH=")
# ... and say what is missing.
add_test(NAME cli_info_a2a3_message
  COMMAND $<TARGET_FILE:pto_cli> info --platform a2a3)
set_tests_properties(cli_info_a2a3_message PROPERTIES
  PASS_REGULAR_EXPRESSION "error: PTO_ERR_TOOLCHAIN: .*ASCEND_HOME_PATH"
  ENVIRONMENT "ASCEND_HOME_PATH=")

# An example whose golden disagrees with its kernel: non-zero exit ...
add_test(NAME cli_bad_example_fails
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/bad_example --quiet)
set_tests_properties(cli_bad_example_fails PROPERTIES
  WILL_FAIL TRUE ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)
# ... and a FAIL line (not an error).
add_test(NAME cli_bad_example_prints_fail
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/bad_example --quiet)
set_tests_properties(cli_bad_example_prints_fail PROPERTIES
  PASS_REGULAR_EXPRESSION "FAIL bad_example max_err=1 "
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)

# A missing example directory is an error, not a crash.
add_test(NAME cli_missing_example
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/no_such_example)
set_tests_properties(cli_missing_example PROPERTIES
  PASS_REGULAR_EXPRESSION "error: PTO_ERR_"
  ENVIRONMENT "${PTO_KCACHE_ENV}")

# ---- trace written by the CLI, validated by test_trace --check
set(PTO_VECTOR_TRACE ${CMAKE_CURRENT_BINARY_DIR}/trace_vector.json)
add_test(NAME trace_cli_vector_write
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector
          --blocks 2 --schedulers 2 --trace ${PTO_VECTOR_TRACE})
set_tests_properties(trace_cli_vector_write PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS vector.*trace written"
  FIXTURES_SETUP pto_vector_trace)
if(TARGET test_trace)
  add_test(NAME trace_cli_vector_valid
    COMMAND test_trace --check ${PTO_VECTOR_TRACE} 4 6 2)
  set_tests_properties(trace_cli_vector_valid PROPERTIES
    FIXTURES_REQUIRED pto_vector_trace)
endif()
