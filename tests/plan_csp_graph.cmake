# The plan examples/plans/csp_pipeline/plan.json and the C orchestration
# examples/csp_pipeline build the same task graph with the same times:
# their --graph files (every task with its start and end cycle, every edge)
# must be identical. Run by tests/plans.cmake:
#
#   cmake -DPTO=<pto> -DSRC=<source dir> -DOUT=<dir> -DLATENCY=<L> -P plan_csp_graph.cmake
cmake_policy(VERSION 3.18)
file(MAKE_DIRECTORY ${OUT})
set(common --deterministic --blocks 2 --quiet --set __pto_wsp_channel_latency_cycles=${LATENCY})
execute_process(COMMAND ${PTO} run ${SRC}/examples/csp_pipeline ${common} --dispatch affinity:4
                        --graph ${OUT}/c_${LATENCY}.json
                RESULT_VARIABLE rc_c OUTPUT_VARIABLE out_c ERROR_VARIABLE out_c)
execute_process(COMMAND ${PTO} run ${SRC}/examples/plans/csp_pipeline/plan.json ${common}
                        --graph ${OUT}/plan_${LATENCY}.json
                RESULT_VARIABLE rc_p OUTPUT_VARIABLE out_p ERROR_VARIABLE out_p)
if(NOT rc_c EQUAL 0 OR NOT rc_p EQUAL 0)
  message(FATAL_ERROR "a run failed:\n${out_c}\n${out_p}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/c_${LATENCY}.json
                        ${OUT}/plan_${LATENCY}.json RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  message(FATAL_ERROR "the graphs differ: ${OUT}/c_${LATENCY}.json ${OUT}/plan_${LATENCY}.json")
endif()
message(STATUS "same graph at latency ${LATENCY}")
