# Runs a command that must FAIL (non-zero exit) and whose combined output
# must contain every given literal substring. Used by tests/examples.cmake:
#
#   cmake -P expect_fail.cmake -- EXPECT <text> [EXPECT <text>...] RUN <cmd> [args...]
#
# Exits non-zero (failing the CTest test) when the command succeeds or any
# substring is missing; the command's output is echoed either way. Arguments
# are CMake list elements, so neither the texts nor the command may contain ";".
cmake_policy(VERSION 3.18)
set(expects "")
set(cmd "")
set(mode "")
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 0 ${last})
  set(a "${CMAKE_ARGV${i}}")
  if(mode STREQUAL "cmd")
    list(APPEND cmd "${a}")
  elseif(mode STREQUAL "expect")
    list(APPEND expects "${a}")
    set(mode "")
  elseif(a STREQUAL "EXPECT")
    set(mode "expect")
  elseif(a STREQUAL "RUN")
    set(mode "cmd")
  endif()
endforeach()
if(NOT cmd)
  message(FATAL_ERROR "expect_fail.cmake: no RUN command given")
endif()
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message("${out}")
if(rc EQUAL 0)
  message(FATAL_ERROR "expect_fail.cmake: the command succeeded, a failure was expected")
endif()
foreach(e IN LISTS expects)
  string(FIND "${out}" "${e}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "expect_fail.cmake: output lacks '${e}'")
  endif()
endforeach()
message("expect_fail.cmake: failed as expected (exit ${rc}) and printed every expected text")
