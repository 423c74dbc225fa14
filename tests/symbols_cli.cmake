# Changing a symbol between two runs needs no rebuild (issue #16, run by
# CTest as cli_symbols_no_rebuild): `pto run` of tests/data/symbols_example
# twice with different --set values, in a fresh kernel cache, with a
# compiler that logs its calls. The first run compiles (the log has lines),
# the second one must compile nothing (no log) and print another result.
#
#   cmake -DPTO=<pto> -DEXAMPLE=<symbols_example dir> -DCC_LOG=<cc_log.sh>
#         -DWORK=<scratch dir> -P symbols_cli.cmake
cmake_policy(VERSION 3.18)
foreach(v PTO EXAMPLE CC_LOG WORK)
  if(NOT ${v})
    message(FATAL_ERROR "symbols_cli.cmake: pass -D${v}=...")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(ENV{PTO_CACHE_DIR} ${WORK}/kcache)
set(ENV{CC} "sh ${CC_LOG}")
set(ENV{PTO_TEST_CC_LOG} ${WORK}/cc.log)

# run(<n> <expected stdout text> --set ...)
function(run n expect)
  execute_process(COMMAND ${PTO} run ${EXAMPLE} --quiet ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  message("run ${n}: pto run ... --quiet ${ARGN}\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run ${n} failed (exit ${rc})")
  endif()
  string(FIND "${out}" "${expect}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "run ${n}: stdout lacks '${expect}'")
  endif()
endfunction()

run(1 "symbols: scale=3 bias=0.5 rows=3 (sum 15) y[1]=18.5\nPASS symbols"
    --set scale=3 --set bias=0.5 --set rows=[4,5,6])
if(NOT EXISTS ${WORK}/cc.log)
  message(FATAL_ERROR "run 1 compiled nothing: the cache at ${WORK}/kcache was not fresh "
                      "or CC was not used")
endif()
file(STRINGS ${WORK}/cc.log calls)
list(LENGTH calls ncalls)
message("run 1 compiled ${ncalls} objects")
file(REMOVE ${WORK}/cc.log)

run(2 "symbols: scale=5 bias=1.5 rows=1 (sum -1) y[1]=5.5\nPASS symbols"
    --set scale=5 --set bias=1.5f --set rows=[-1])
if(EXISTS ${WORK}/cc.log)
  file(READ ${WORK}/cc.log calls)
  message(FATAL_ERROR "run 2 compiled again (a symbol change must not):\n${calls}")
endif()
message("run 2: a different result, nothing compiled")
