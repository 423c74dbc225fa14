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

# The lane map: `--blocks 2 --lanes 4` deals the 4 AIV cores one per lane
# (the default scheduler count shrinks to the 2 blocks).
add_test(NAME cli_info_lanes COMMAND $<TARGET_FILE:pto_cli> info --blocks 2 --lanes 4)
set_tests_properties(cli_info_lanes PROPERTIES
  PASS_REGULAR_EXPRESSION "lanes +4 .*lane 0 +AIC 0  AIV 1  scheduler 0\n  lane 1 +AIC 3  AIV 2  scheduler 0,1\n  lane 2 +AIC -  AIV 4  scheduler 1\n  lane 3 +AIC -  AIV 5  scheduler 1\n"
  FAIL_REGULAR_EXPRESSION "error:")
add_test(NAME cli_info_too_many_lanes
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "5 lanes, but 2 blocks have 4 AIV cores to deal: at most 4"
    RUN $<TARGET_FILE:pto_cli> info --blocks 2 --lanes 5)
add_test(NAME cli_dispatch_unknown
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "unknown dispatch policy 'fifo' (known: default, round_robin, affinity, hash, work_steal)"
    RUN $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector --dispatch fifo --quiet)
set_tests_properties(cli_dispatch_unknown PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}")

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

# A kernel that never returns (tests/data/stuck_example): with --watchdog-ms
# 300 every mode exits non-zero with the timeout report, within the watchdog
# plus a second, plus up to 1.7 s for process startup on a loaded host
# (typically the whole takes 0.5 s; sanitizer builds check no time). The
# first run fills the kernel cache, so compile time is not counted in the
# timed ones.
set(PTO_STUCK_DIR ${CMAKE_CURRENT_SOURCE_DIR}/data/stuck_example)
set(PTO_STUCK_WITHIN WITHIN_MS 3000)
if(PTO_SANITIZE)
  set(PTO_STUCK_WITHIN "")
endif()
set(PTO_STUCK_REPORT
  EXPECT "error: PTO_ERR_TIMEOUT: watchdog"
  EXPECT "Still running: t1 (kernel stuck_forever) on core "
  EXPECT "func_id 1")
add_test(NAME cli_stuck_compile
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
          ${PTO_STUCK_REPORT}
          RUN $<TARGET_FILE:pto_cli> run ${PTO_STUCK_DIR} --watchdog-ms 300 --quiet)
set_tests_properties(cli_stuck_compile PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300 FIXTURES_SETUP pto_stuck_cache)
foreach(variant "host_built:--host-built" "streamed:--streamed"
                "det:--deterministic" "det_streamed:--deterministic|--streamed")
  string(REPLACE ":" ";" v "${variant}")
  list(GET v 0 name)
  list(GET v 1 flags)
  string(REPLACE "|" ";" flags "${flags}")
  add_test(NAME cli_stuck_${name}
    COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
            ${PTO_STUCK_WITHIN} ${PTO_STUCK_REPORT}
            RUN $<TARGET_FILE:pto_cli> run ${PTO_STUCK_DIR} --watchdog-ms 300
                --blocks 2 --schedulers 2 ${flags})
  set_tests_properties(cli_stuck_${name} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 60 FIXTURES_REQUIRED pto_stuck_cache)
endforeach()
# The same through the environment; a bad value is a usage error.
add_test(NAME cli_stuck_env_watchdog
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
          ${PTO_STUCK_WITHIN} ${PTO_STUCK_REPORT}
          RUN $<TARGET_FILE:pto_cli> run ${PTO_STUCK_DIR})
set_tests_properties(cli_stuck_env_watchdog PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV};PTO_WATCHDOG_MS=300" TIMEOUT 60
  FIXTURES_REQUIRED pto_stuck_cache)
add_test(NAME cli_watchdog_needs_number
  COMMAND $<TARGET_FILE:pto_cli> run ${PTO_STUCK_DIR} --watchdog-ms 0)
set_tests_properties(cli_watchdog_needs_number PROPERTIES
  PASS_REGULAR_EXPRESSION "--watchdog-ms .0. is out of range")
add_test(NAME cli_help_watchdog COMMAND $<TARGET_FILE:pto_cli> --help)
set_tests_properties(cli_help_watchdog PROPERTIES PASS_REGULAR_EXPRESSION "--watchdog-ms N")

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

# ---- deterministic run writing the cycle trace and the graph (DOT, then
# JSON), validated by test_trace --check-cycles and test_graph --check-*
set(PTO_VECTOR_CYCLES ${CMAKE_CURRENT_BINARY_DIR}/cycles_vector.json)
set(PTO_VECTOR_DOT ${CMAKE_CURRENT_BINARY_DIR}/graph_vector.dot)
set(PTO_VECTOR_GRAPH_JSON ${CMAKE_CURRENT_BINARY_DIR}/graph_vector.json)
add_test(NAME cli_vector_deterministic_cycle_trace_graph
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector
          --blocks 2 --schedulers 2 --deterministic
          --cycle-trace ${PTO_VECTOR_CYCLES} --graph ${PTO_VECTOR_DOT})
set_tests_properties(cli_vector_deterministic_cycle_trace_graph PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS vector.*\\(deterministic\\).*total_cycles +[0-9]+\n.*cycle trace written.*graph written"
  FAIL_REGULAR_EXPRESSION "FAIL|error:"
  FIXTURES_SETUP pto_vector_cycles)
add_test(NAME cli_vector_graph_json
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector
          --deterministic --quiet --graph ${PTO_VECTOR_GRAPH_JSON})
set_tests_properties(cli_vector_graph_json PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS vector"
  FAIL_REGULAR_EXPRESSION "FAIL|error:"
  FIXTURES_SETUP pto_vector_graph_json)
if(TARGET test_trace)
  add_test(NAME trace_cli_vector_cycles_valid
    COMMAND test_trace --check-cycles ${PTO_VECTOR_CYCLES} 4 6)
  set_tests_properties(trace_cli_vector_cycles_valid PROPERTIES
    FIXTURES_REQUIRED pto_vector_cycles)
endif()
if(TARGET test_graph)
  add_test(NAME trace_cli_vector_graph_dot_valid
    COMMAND test_graph --check-dot ${PTO_VECTOR_DOT} 4 4)
  set_tests_properties(trace_cli_vector_graph_dot_valid PROPERTIES
    FIXTURES_REQUIRED pto_vector_cycles)
  add_test(NAME trace_cli_vector_graph_json_valid
    COMMAND test_graph --check-json ${PTO_VECTOR_GRAPH_JSON} 4 4)
  set_tests_properties(trace_cli_vector_graph_json_valid PROPERTIES
    FIXTURES_REQUIRED pto_vector_graph_json)
endif()
add_test(NAME cli_help_deterministic COMMAND $<TARGET_FILE:pto_cli> --help)
set_tests_properties(cli_help_deterministic PROPERTIES
  PASS_REGULAR_EXPRESSION "--deterministic.*--cycle-trace FILE.*--graph FILE")
add_test(NAME cli_graph_needs_file
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector --graph)
set_tests_properties(cli_graph_needs_file PROPERTIES WILL_FAIL TRUE)

# ---- streamed examples: vector_stream, dummy_tasks, bgemm_scope. A streamed
# run also needs an AICPU thread for the orchestrator (schedulers + 1 <= 4),
# so the shapes stop at 3 schedulers.
set(PTO_STREAM_EXAMPLES vector_stream dummy_tasks bgemm_scope)
set(PTO_STREAM_SHAPES "1:1" "2:1" "3:2")
foreach(ex ${PTO_STREAM_EXAMPLES})
  foreach(shape ${PTO_STREAM_SHAPES})
    string(REPLACE ":" ";" bs ${shape})
    list(GET bs 0 blocks)
    list(GET bs 1 scheds)
    set(name example_${ex}_b${blocks}_s${scheds})
    add_test(NAME ${name}
      COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/${ex}
              --blocks ${blocks} --schedulers ${scheds})
    set_tests_properties(${name} PROPERTIES
      ENVIRONMENT "${PTO_KCACHE_ENV}"
      TIMEOUT 300
      PASS_REGULAR_EXPRESSION "PASS ${ex} .*mode +streamed"
      FAIL_REGULAR_EXPRESSION "FAIL|error:")
  endforeach()
endforeach()

# The streamed examples' own mode can be overridden: same graphs built on the
# host before launch (the default window holds them).
foreach(ex ${PTO_STREAM_EXAMPLES})
  add_test(NAME example_${ex}_host_built
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/${ex}
            --blocks 2 --schedulers 2 --host-built)
  set_tests_properties(example_${ex}_host_built PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS ${ex} .*mode +host-built"
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()
# (The host-built examples cannot simply be streamed: they add a task's
# dependencies after adding later tasks, and a streamed run accepts
# pto_add_dep only for the newest task; see run.h.)

# ---- bgemm_scope: 2048 tasks in one scope 'batch' (DESIGN §8 sizing case).
# A window of 1024 cannot hold the scope: the run must fail (exit != 0) with
# the scope-deadlock report, and still print the flow-control table.
set(PTO_BGEMM_SCOPE_REPORT
  EXPECT "error: PTO_ERR_DEADLOCK"
  EXPECT "stalled on TASK_RING_FULL"
  EXPECT "held by open scope 'batch'"
  EXPECT "Scope 'batch' submits 2048 task(s)"
  EXPECT "use PTO_TASK_WINDOW >= 4096 or split the scope"
  EXPECT "high-water 1024 of 1024: raise PTO_TASK_WINDOW")
add_test(NAME example_bgemm_scope_window1024_deadlock
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
          ${PTO_BGEMM_SCOPE_REPORT}
          RUN $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/bgemm_scope
                  --blocks 4 --schedulers 2 --window 1024)
set_tests_properties(example_bgemm_scope_window1024_deadlock PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)
# The same through the environment variable.
add_test(NAME example_bgemm_scope_env_window1024_deadlock
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
          ${PTO_BGEMM_SCOPE_REPORT}
          RUN $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/bgemm_scope
                  --blocks 4 --schedulers 2)
set_tests_properties(example_bgemm_scope_env_window1024_deadlock PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV};PTO_TASK_WINDOW=1024" TIMEOUT 300)
# A window of 4096 holds the scope: PASS. The defaults suffice for the rest
# (2048 live tasks need 5120 TensorMap entries of 65536, 4608 dep nodes of
# 65536 and 1 MiB of the 256 MiB heap arena), so nothing else is set.
add_test(NAME example_bgemm_scope_window4096
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/bgemm_scope
          --blocks 4 --schedulers 2 --window 4096)
set_tests_properties(example_bgemm_scope_window4096 PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS bgemm_scope .*TASK_RING_FULL +4096 +2048 +50.0 +0 "
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
add_test(NAME example_bgemm_scope_env_window4096
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/bgemm_scope
          --blocks 4 --schedulers 2 --quiet)
set_tests_properties(example_bgemm_scope_env_window4096 PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV};PTO_TASK_WINDOW=4096" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS bgemm_scope "
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
# --window overrides PTO_TASK_WINDOW.
add_test(NAME cli_window_overrides_env
  COMMAND $<TARGET_FILE:pto_cli> info --window 64)
set_tests_properties(cli_window_overrides_env PROPERTIES
  ENVIRONMENT "PTO_TASK_WINDOW=1024"
  PASS_REGULAR_EXPRESSION "task window +64"
  FAIL_REGULAR_EXPRESSION "error:")
add_test(NAME cli_streamed_and_host_built_conflict
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector --streamed --host-built)
set_tests_properties(cli_streamed_and_host_built_conflict PROPERTIES WILL_FAIL TRUE)
add_test(NAME cli_help_streamed
  COMMAND $<TARGET_FILE:pto_cli> --help)
set_tests_properties(cli_help_streamed PROPERTIES
  PASS_REGULAR_EXPRESSION "--window N.*--streamed.*--host-built")

# ---- semantic-time examples (issue #4): each README derives total_cycles
# by hand from the tile cost model. Deterministic runs (1 scheduler) assert
# PASS and that exact number; threaded runs assert only the result.
# Entries: example:blocks:total_cycles.
set(PTO_CYCLE_EXAMPLES
  rmsnorm:1:1072 softmax:1:33536 softmax:4:8480 attention:1:10240
  attention:2:6688 llama:1:216256 llama:2:144864 paged_attention:1:23376
  bgemm_cycles:1:312320 bgemm_cycles:2:156672 bgemm_cycles:4:78848
  spmd_vector:24:2048 spmd_vector:5:10240 spmd_vector:4:12288 spmd_vector:1:49152
  mix_matmul:24:4864 mix_matmul:4:4864 mix_matmul:2:9728 mix_matmul:1:19456)
foreach(entry ${PTO_CYCLE_EXAMPLES})
  string(REPLACE ":" ";" f ${entry})
  list(GET f 0 ex)
  list(GET f 1 blocks)
  list(GET f 2 cycles)
  add_test(NAME example_${ex}_det_b${blocks}
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/${ex}
            --deterministic --blocks ${blocks} --schedulers 1)
  set_tests_properties(example_${ex}_det_b${blocks} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS ${ex} .*\ntotal_cycles +${cycles}\n"
    FAIL_REGULAR_EXPRESSION "FAIL|error:|warning:")
endforeach()
foreach(ex rmsnorm softmax attention llama paged_attention bgemm_cycles spmd_vector mix_matmul)
  foreach(shape "1:1" "4:2")
    string(REPLACE ":" ";" bs ${shape})
    list(GET bs 0 blocks)
    list(GET bs 1 scheds)
    add_test(NAME example_${ex}_b${blocks}_s${scheds}
      COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/${ex}
              --blocks ${blocks} --schedulers ${scheds} --quiet)
    set_tests_properties(example_${ex}_b${blocks}_s${scheds} PROPERTIES
      ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
      PASS_REGULAR_EXPRESSION "PASS ${ex} "
      FAIL_REGULAR_EXPRESSION "FAIL|error:")
  endforeach()
endforeach()

# ---- dispatch policies (issue #15): examples/dispatch, 12 equal tasks of
# 1024 cycles on 2 blocks, one AIV core per lane with NAME:4. Its README
# derives every total. Deterministic, streamed (the example's mode) and
# host-built: PASS and that exact total_cycles; threaded: PASS only (where a
# task runs then depends on the threads). Entries: policy=total_cycles.
set(PTO_DISPATCH_RUNS
  default=3072 round_robin:4=3072 affinity:4=6144 hash:4=5120 work_steal:4=3072)
foreach(entry ${PTO_DISPATCH_RUNS})
  string(REPLACE "=" ";" f ${entry})
  list(GET f 0 policy)
  list(GET f 1 cycles)
  string(REGEX REPLACE ":.*" "" pname ${policy})
  foreach(mode streamed host-built)
    string(REPLACE "-" "_" mname ${mode})
    add_test(NAME example_dispatch_${pname}_det_${mname}
      COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/dispatch
              --deterministic --blocks 2 --dispatch ${policy} --${mode})
    set_tests_properties(example_dispatch_${pname}_det_${mname} PROPERTIES
      ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
      PASS_REGULAR_EXPRESSION "PASS dispatch .*mode +${mode} \\(deterministic\\).*\ntotal_cycles +${cycles}\n"
      FAIL_REGULAR_EXPRESSION "FAIL|error:|warning:")
  endforeach()
  add_test(NAME example_dispatch_${pname}_threaded
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/dispatch
            --blocks 2 --dispatch ${policy} --quiet)
  set_tests_properties(example_dispatch_${pname}_threaded PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS dispatch "
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()
# The README's trace command: one track per core, 12 task events.
set(PTO_DISPATCH_CYCLES ${CMAKE_CURRENT_BINARY_DIR}/cycles_dispatch.json)
add_test(NAME cli_dispatch_work_steal_cycle_trace
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/dispatch
          --deterministic --blocks 2 --dispatch work_steal:4 --quiet
          --cycle-trace ${PTO_DISPATCH_CYCLES})
set_tests_properties(cli_dispatch_work_steal_cycle_trace PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS dispatch "
  FAIL_REGULAR_EXPRESSION "FAIL|error:"
  FIXTURES_SETUP pto_dispatch_cycles)
if(TARGET test_trace)
  add_test(NAME trace_cli_dispatch_cycles_valid
    COMMAND test_trace --check-cycles ${PTO_DISPATCH_CYCLES} 12 6)
  set_tests_properties(trace_cli_dispatch_cycles_valid PROPERTIES
    FIXTURES_REQUIRED pto_dispatch_cycles)
endif()

# ---- task windows (DESIGN 6.2) on examples/dispatch (`--task-window N`).
# Deterministic streamed runs with window 1, 2 and 0 (unlimited); the
# README's "Task windows" section derives each total and states the
# assumptions. Entries: policy=window1:window2:unlimited.
block()
  set(PTO_DISPATCH_WINDOW_RUNS
    default=12288:6144:3072 round_robin:4=12288:6144:3072 affinity:4=12288:6144:6144
    hash:4=12288:8192:5120 work_steal:4=12288:6144:3072)
  foreach(entry ${PTO_DISPATCH_WINDOW_RUNS})
    string(REPLACE "=" ";" f ${entry})
    list(GET f 0 policy)
    list(GET f 1 totals)
    string(REPLACE ":" ";" totals ${totals})
    string(REGEX REPLACE ":.*" "" pname ${policy})
    foreach(w 1 2 0)
      if(w EQUAL 0)
        list(GET totals 2 cycles)
      else()
        math(EXPR i "${w} - 1")
        list(GET totals ${i} cycles)
      endif()
      add_test(NAME example_dispatch_${pname}_window${w}
        COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/dispatch
                --deterministic --blocks 2 --dispatch ${policy} --streamed
                --task-window ${w})
      set_tests_properties(example_dispatch_${pname}_window${w} PROPERTIES
        ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
        PASS_REGULAR_EXPRESSION "PASS dispatch .*\ntotal_cycles +${cycles}\n"
        FAIL_REGULAR_EXPRESSION "FAIL|error:|warning:")
    endforeach()
  endforeach()
endblock()

# ---- predicated tasks (issue #16, part 5): examples/moe_skip, 4 experts
# predicated on `slot<e> != 0u`, slot e loaded from the router's counts.
# Three routings through the symbol moe.route (no rebuild between them);
# its README derives total_cycles = 500 + 2952 k on 1 block (k = experts
# with tokens). Deterministic, streamed and host-built: PASS, the skipped
# experts untouched, that exact total and the count of skipped tasks in the
# stats; threaded: PASS.
block()
  set(cases skip13 skip2 skip013)
  set(skip13_set "")
  set(skip13_skipped "1 3")
  set(skip13_cycles 6404)
  set(skip13_count 2)
  set(skip2_set --set "moe.route=[1,1,3,0,3,3,1,0]")
  set(skip2_skipped "2")
  set(skip2_cycles 9356)
  set(skip2_count 1)
  set(skip013_set --set "moe.route=[2,2,2,2,2,2,2,2]")
  set(skip013_skipped "0 1 3")
  set(skip013_cycles 3452)
  set(skip013_count 3)
  foreach(c ${cases})
    foreach(mode streamed host-built)
      string(REPLACE "-" "_" mname ${mode})
      add_test(NAME example_moe_skip_${c}_det_${mname}
        COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/moe_skip
                --deterministic --blocks 1 --${mode} ${${c}_set})
      set_tests_properties(example_moe_skip_${c}_det_${mname} PROPERTIES
        ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
        PASS_REGULAR_EXPRESSION "skipped experts: ${${c}_skipped} \\(outputs untouched\\)\nPASS moe_skip .*mode +${mode} \\(deterministic\\).*\ntotal_cycles +${${c}_cycles}\nskipped +${${c}_count} \\(predicate false"
        FAIL_REGULAR_EXPRESSION "FAIL|error:|warning:")
    endforeach()
    add_test(NAME example_moe_skip_${c}_threaded
      COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/moe_skip
              --blocks 2 --quiet ${${c}_set})
    set_tests_properties(example_moe_skip_${c}_threaded PROPERTIES
      ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
      PASS_REGULAR_EXPRESSION "skipped experts: ${${c}_skipped} \\(outputs untouched\\)\nPASS moe_skip "
      FAIL_REGULAR_EXPRESSION "FAIL|error:")
  endforeach()
endblock()
# A routing that is not one expert in 0..3 per token fails the run.
add_test(NAME example_moe_skip_bad_route
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "moe.route[4] = 4: an expert is 0 .. 3"
    RUN $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/moe_skip --quiet
        --set "moe.route=[0,1,2,3,4,0,0,0]")
set_tests_properties(example_moe_skip_bad_route PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)

# ---- values between tasks, slots and the orchestration (issue #16, part
# 5): examples/scalar_tensor, streamed only (pto_read). Its README derives
# t9's lane (key `slot0` = 30 -> lane 2) and total_cycles 3072 on 2 blocks
# under affinity:4, which only that lane gives. Deterministic: PASS, t4 ran
# and t5 was skipped, and that total; threaded: PASS; host-built: refused.
add_test(NAME example_scalar_tensor_det
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/scalar_tensor
          --deterministic --blocks 2 --dispatch affinity:4)
set_tests_properties(example_scalar_tensor_det PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "S\\[0\\] = 30 \\(slot0: t9's param and key, lane 2 of 4\\), slot1 = S\\[1\\] = 24, slot2 = 48: t4 ran, t5 skipped\nPASS scalar_tensor .*mode +streamed \\(deterministic\\).*\ntotal_cycles +3072\n"
  FAIL_REGULAR_EXPRESSION "FAIL|error:|warning:")
add_test(NAME example_scalar_tensor_threaded
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/scalar_tensor
          --blocks 2 --dispatch affinity:4 --quiet)
set_tests_properties(example_scalar_tensor_threaded PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "t4 ran, t5 skipped\nPASS scalar_tensor "
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
add_test(NAME example_scalar_tensor_host_built_refused
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "scalar_tensor runs streamed only (drop --host-built)"
    RUN $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/scalar_tensor --host-built --quiet)
set_tests_properties(example_scalar_tensor_host_built_refused PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)

# ---- CSP (issue #17, part 6): examples/csp_pipeline, load -> compute ->
# store over 8 tiles as three processes joined by two channels of capacity
# C (the symbol csp_pipeline.capacity, default 2). Its README derives
# total_cycles = 9216 + 2 L for the channel latency L (the symbol
# __pto_wsp_channel_latency_cycles, swept 0 / 16 / 64 without a rebuild)
# at C = 2 and C = 1, and 9216 + 9 L for rendezvous channels (C = 0), each
# stage on its own core (--blocks 2 --dispatch affinity:4). Deterministic,
# streamed and host-built: PASS, the capacity and latency used and that
# exact total; the default dispatch on one lane of 4 AIV cores gives the
# same; threaded: PASS.
block()
  foreach(cap 2 1 0)
    foreach(lat 0 16 64)
      if(cap EQUAL 0)
        math(EXPR cycles "9216 + 9 * ${lat}")
      else()
        math(EXPR cycles "9216 + 2 * ${lat}")
      endif()
      set(args --set csp_pipeline.capacity=${cap} --set __pto_wsp_channel_latency_cycles=${lat})
      set(says "capacity ${cap}, channel latency ${lat} cycles")
      set(modes streamed host-built)
      if(cap EQUAL 1)
        set(modes streamed)
      endif()
      foreach(mode ${modes})
        string(REPLACE "-" "_" mname ${mode})
        add_test(NAME example_csp_pipeline_c${cap}_lat${lat}_det_${mname}
          COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/csp_pipeline
                  --deterministic --blocks 2 --dispatch affinity:4 --${mode} ${args})
        set_tests_properties(example_csp_pipeline_c${cap}_lat${lat}_det_${mname} PROPERTIES
          ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
          PASS_REGULAR_EXPRESSION "${says}\nPASS csp_pipeline .*mode +${mode} \\(deterministic\\).*\ntotal_cycles +${cycles}\n"
          FAIL_REGULAR_EXPRESSION "FAIL|error:|warning:")
      endforeach()
      if(NOT cap EQUAL 1)
        add_test(NAME example_csp_pipeline_c${cap}_lat${lat}_det_default_dispatch
          COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/csp_pipeline
                  --deterministic --blocks 2 --schedulers 1 ${args})
        set_tests_properties(example_csp_pipeline_c${cap}_lat${lat}_det_default_dispatch PROPERTIES
          ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
          PASS_REGULAR_EXPRESSION "${says}\nPASS csp_pipeline .*\ntotal_cycles +${cycles}\n"
          FAIL_REGULAR_EXPRESSION "FAIL|error:|warning:")
        add_test(NAME example_csp_pipeline_c${cap}_lat${lat}_threaded
          COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/csp_pipeline
                  --blocks 2 --dispatch affinity:4 --quiet ${args})
        set_tests_properties(example_csp_pipeline_c${cap}_lat${lat}_threaded PROPERTIES
          ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
          PASS_REGULAR_EXPRESSION "${says}\nPASS csp_pipeline "
          FAIL_REGULAR_EXPRESSION "FAIL|error:")
      endif()
    endforeach()
  endforeach()
endblock()
add_test(NAME example_csp_pipeline_bad_capacity
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "csp_pipeline.capacity = 5000: at most 1024"
    RUN $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/csp_pipeline --quiet
        --set csp_pipeline.capacity=5000)
set_tests_properties(example_csp_pipeline_bad_capacity PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)
# Its graph (DOT and JSON) at C = 2, L = 0: 8 tiles x 3 stages = 24 tasks;
# 47 edges = 3 x 7 program order + 2 x 8 tokens (R_k after T_k) + 10 start
# edges (per channel, the sends of tokens 2..6 wait for R_{k-2} to start;
# token 7's sender has no next task), which test_graph --check-* counts.
foreach(fmt dot json)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/graph_csp_pipeline.${fmt})
  add_test(NAME cli_csp_pipeline_graph_${fmt}
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/csp_pipeline
            --deterministic --blocks 2 --dispatch affinity:4 --quiet --graph ${out})
  set_tests_properties(cli_csp_pipeline_graph_${fmt} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS csp_pipeline"
    FAIL_REGULAR_EXPRESSION "FAIL|error:"
    FIXTURES_SETUP pto_csp_pipeline_graph_${fmt})
  if(TARGET test_graph)
    add_test(NAME trace_cli_csp_pipeline_graph_${fmt}_valid
      COMMAND test_graph --check-${fmt} ${out} 24 47 10)
    set_tests_properties(trace_cli_csp_pipeline_graph_${fmt}_valid PROPERTIES
      FIXTURES_REQUIRED pto_csp_pipeline_graph_${fmt})
  endif()
endforeach()

# examples/csp_prefetch: a loader process (AIV) runs ahead of a matmul
# process (AIC) by the capacity C of the channel between them (the symbol
# csp_prefetch.capacity, default 2), against the same 16 tasks in one
# process (the symbol csp_prefetch.single). Its README derives, on 1 block
# (each process on a core of its own), 12288 + L for two processes at
# latency L <= 1472 C, 512 + 8 L + 1472 for C = 1 past that, 512 + L + 7
# max(1472, 512 + L) + 1472 for a rendezvous, and 15872 for one process.
# Deterministic, streamed and host-built: PASS, the variant and that exact
# total; threaded: PASS; a bad variant or capacity fails the run.
block()
  set(two "loader and matmul processes, capacity")
  set(one "one process \\(load, matmul, load, matmul, \\.\\.\\.\\)")
  # case: --set arguments | what check() prints | total_cycles
  set(cases c2 c2_lat64 c2_lat1024 c1_lat1024 c2_lat2000 c1_lat2000 c0 c0_lat1024
      single single_lat64)
  set(c2_set "")
  set(c2_says "${two} 2, channel latency 0 cycles")
  set(c2_cycles 12288)
  set(c2_lat64_set --set __pto_wsp_channel_latency_cycles=64)
  set(c2_lat64_says "${two} 2, channel latency 64 cycles")
  set(c2_lat64_cycles 12352)
  set(c2_lat1024_set --set __pto_wsp_channel_latency_cycles=1024)
  set(c2_lat1024_says "${two} 2, channel latency 1024 cycles")
  set(c2_lat1024_cycles 13312)
  set(c1_lat1024_set --set csp_prefetch.capacity=1 --set __pto_wsp_channel_latency_cycles=1024)
  set(c1_lat1024_says "${two} 1, channel latency 1024 cycles")
  set(c1_lat1024_cycles 13312)
  set(c2_lat2000_set --set __pto_wsp_channel_latency_cycles=2000)
  set(c2_lat2000_says "${two} 2, channel latency 2000 cycles")
  set(c2_lat2000_cycles 14288)
  set(c1_lat2000_set --set csp_prefetch.capacity=1 --set __pto_wsp_channel_latency_cycles=2000)
  set(c1_lat2000_says "${two} 1, channel latency 2000 cycles")
  set(c1_lat2000_cycles 17984)
  set(c0_set --set csp_prefetch.capacity=0)
  set(c0_says "${two} 0, channel latency 0 cycles")
  set(c0_cycles 12288)
  set(c0_lat1024_set --set csp_prefetch.capacity=0 --set __pto_wsp_channel_latency_cycles=1024)
  set(c0_lat1024_says "${two} 0, channel latency 1024 cycles")
  set(c0_lat1024_cycles 13760)
  set(single_set --set csp_prefetch.single=1)
  set(single_says "${one}")
  set(single_cycles 15872)
  set(single_lat64_set --set csp_prefetch.single=1 --set __pto_wsp_channel_latency_cycles=64)
  set(single_lat64_says "${one}")
  set(single_lat64_cycles 15872)
  foreach(c ${cases})
    foreach(mode streamed host-built)
      string(REPLACE "-" "_" mname ${mode})
      add_test(NAME example_csp_prefetch_${c}_det_${mname}
        COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/csp_prefetch
                --deterministic --blocks 1 --${mode} ${${c}_set})
      set_tests_properties(example_csp_prefetch_${c}_det_${mname} PROPERTIES
        ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
        PASS_REGULAR_EXPRESSION "over 8 K-tiles, ${${c}_says}\nPASS csp_prefetch .*mode +${mode} \\(deterministic\\).*\ntotal_cycles +${${c}_cycles}\n"
        FAIL_REGULAR_EXPRESSION "FAIL|error:|warning:")
    endforeach()
    add_test(NAME example_csp_prefetch_${c}_threaded
      COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/csp_prefetch
              --blocks 1 --quiet ${${c}_set})
    set_tests_properties(example_csp_prefetch_${c}_threaded PROPERTIES
      ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
      PASS_REGULAR_EXPRESSION "over 8 K-tiles, ${${c}_says}\nPASS csp_prefetch "
      FAIL_REGULAR_EXPRESSION "FAIL|error:")
  endforeach()
endblock()
add_test(NAME example_csp_prefetch_bad_variant
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "csp_prefetch.single = 2: 0 (loader and matmul processes) or 1 (one process)"
    RUN $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/csp_prefetch --quiet
        --set csp_prefetch.single=2)
set_tests_properties(example_csp_prefetch_bad_variant PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)
add_test(NAME example_csp_prefetch_bad_capacity
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "csp_prefetch.capacity = 2000: at most 1024"
    RUN $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/csp_prefetch --quiet
        --set csp_prefetch.capacity=2000)
set_tests_properties(example_csp_prefetch_bad_capacity PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)

# ---- bounds-checking mode (--check-bounds, PTO_CHECK_BOUNDS=1): golden
# examples still PASS with red zones around every buffer (host-built raw
# tasks, streamed submits with PTO_OUT outputs, deterministic) ...
foreach(ex vector bgemm vector_stream bgemm_scope dummy_tasks llama)
  add_test(NAME example_${ex}_check_bounds
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/${ex}
            --blocks 2 --schedulers 2 --check-bounds)
  set_tests_properties(example_${ex}_check_bounds PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS ${ex} .*\\(bounds checked\\)"
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()
add_test(NAME example_vector_stream_check_bounds_env_det
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector_stream
          --deterministic)
set_tests_properties(example_vector_stream_check_bounds_env_det PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV};PTO_CHECK_BOUNDS=1" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS vector_stream .*\\(deterministic\\) \\(bounds checked\\)"
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
add_test(NAME cli_help_check_bounds COMMAND $<TARGET_FILE:pto_cli> --help)
set_tests_properties(cli_help_check_bounds PROPERTIES
  PASS_REGULAR_EXPRESSION "--check-bounds +run: bounds-checking mode")
# ... and a kernel (compiled from source, so not ASan-instrumented even in
# sanitizer builds) writing one element past its output passes unchecked
# but fails the run in bounds mode, naming the task, kernel and parameter.
add_test(NAME cli_overflow_example_unchecked
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/overflow_example --quiet)
set_tests_properties(cli_overflow_example_unchecked PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS overflow_example"
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
foreach(variant "flag:--check-bounds" "det:--check-bounds;--deterministic" "env:")
  string(REPLACE ":" ";" v "${variant}")
  list(GET v 0 vname)
  list(REMOVE_AT v 0)
  set(env "${PTO_KCACHE_ENV}")
  if(vname STREQUAL "env")
    set(env "${PTO_KCACHE_ENV};PTO_CHECK_BOUNDS=1")
  endif()
  add_test(NAME cli_overflow_example_${vname}
    COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
            EXPECT "error: PTO_ERR_KERNEL: bounds check: task t0 (kernel 'spill_scale', func_id 0)"
            EXPECT "wrote past the end of param 1 (OUT), its buffer of 400 bytes"
            EXPECT "damaged at byte offsets 400..403"
            RUN $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/overflow_example
                    --quiet ${v})
  set_tests_properties(cli_overflow_example_${vname} PROPERTIES
    ENVIRONMENT "${env}" TIMEOUT 300)
endforeach()

# ---- task shapes beyond one core (SPMD, MIX): threaded on more shapes,
# streamed, and in bounds-checking mode (the results only; the cycles of a
# threaded run depend on where the schedulers place the parts).
foreach(ex spmd_vector mix_matmul)
  foreach(variant "b24_s3:--blocks;24;--schedulers;3" "b3_s2_streamed:--blocks;3;--schedulers;2;--streamed"
                  "b2_s1_det_streamed:--blocks;2;--schedulers;1;--streamed;--deterministic"
                  "b2_s2_check_bounds:--blocks;2;--schedulers;2;--check-bounds")
    string(FIND "${variant}" ":" colon)
    string(SUBSTRING "${variant}" 0 ${colon} vname)
    math(EXPR colon "${colon} + 1")
    string(SUBSTRING "${variant}" ${colon} -1 flags)
    add_test(NAME example_${ex}_${vname}
      COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/${ex} ${flags} --quiet)
    set_tests_properties(example_${ex}_${vname} PROPERTIES
      ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
      PASS_REGULAR_EXPRESSION "PASS ${ex} "
      FAIL_REGULAR_EXPRESSION "FAIL|error:")
  endforeach()
endforeach()

# ---- task_window (DESIGN 6.2) and the capability matrix (6.3): vector_stream
# has 5 tasks whose cycles sum to 81920 (65536 when they overlap). Window 1
# runs them one at a time: exactly the sum, in both modes.
foreach(variant "det:--deterministic" "threaded:--schedulers;2")
  string(REPLACE ":" ";" v "${variant}")
  list(GET v 0 vname)
  list(REMOVE_AT v 0)
  add_test(NAME cli_task_window1_${vname}
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector_stream
            --blocks 4 --task-window 1 ${v})
  set_tests_properties(cli_task_window1_${vname} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS vector_stream .*task_window\\(1, tasks, STALL\\)\n.*\ntotal_cycles +81920\n.*\nTASK_WINDOW +1 +1 +100.0 "
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()
add_test(NAME cli_task_window_unlimited_det
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector_stream
          --blocks 4 --deterministic)
set_tests_properties(cli_task_window_unlimited_det PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "\ntotal_cycles +65536\n.*\nTASK_WINDOW +0 +0 +0.0 +0 +0.0  unlimited\n"
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
# BENCHMARK only counts (RECORDED): same cycles as unlimited.
add_test(NAME cli_task_window_benchmark
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector_stream
          --blocks 4 --deterministic --task-window 1:tasks:benchmark)
set_tests_properties(cli_task_window_benchmark PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "\ntotal_cycles +65536\n.*\nTASK_WINDOW +1 +[0-9]+ +[0-9.]+ +[1-9][0-9]* +0.0 "
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
# ABORT (ENFORCED): the deterministic orchestration submits t1 before t0 ran.
add_test(NAME cli_task_window_abort
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
          EXPECT "error: PTO_ERR_CAPACITY: task_window(1, tasks, ABORT) exceeded: submitting t1 would put 2 tasks in flight"
          RUN $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector_stream
              --deterministic --task-window 1:tasks:ABORT --quiet)
set_tests_properties(cli_task_window_abort PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)
# A host-built run cannot hold tasks back (DIAGNOSED): it runs, with one
# note on stderr and the count in the stats.
add_test(NAME cli_task_window_host_built_diagnosed
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector --task-window 1)
set_tests_properties(cli_task_window_host_built_diagnosed PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "pto: note: task_window\\(1, tasks, STALL\\) is ignored on a2a3sim \\(threaded\\): 'task_window\\(tasks, STALL\\), host-built run' is DIAGNOSED.*PASS vector .*\ndiagnosed +1 directive\\(s\\) ignored"
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
# bytes and entries are UNSUPPORTED: refused before anything runs.
add_test(NAME cli_task_window_bytes_unsupported
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
          EXPECT "error: PTO_ERR_INVALID: pto_launch: task_window(4, bytes, STALL) is not supported on a2a3sim (deterministic)"
          EXPECT "the run is refused before anything executes"
          RUN $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/vector_stream
              --deterministic --task-window 4:bytes)
set_tests_properties(cli_task_window_bytes_unsupported PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)
add_test(NAME cli_help_task_window COMMAND $<TARGET_FILE:pto_cli> --help)
set_tests_properties(cli_help_task_window PROPERTIES
  PASS_REGULAR_EXPRESSION "caps +print the capability matrix.*--task-window SIZE\\[:UNIT\\[:MODE\\]\\]")
# `pto caps`: one row per feature, a column per platform and mode.
add_test(NAME cli_caps COMMAND $<TARGET_FILE:pto_cli> caps)
set_tests_properties(cli_caps PROPERTIES
  PASS_REGULAR_EXPRESSION "^feature +a2a3sim threaded +a2a3sim deterministic +a2a3\ndispatch\\(default\\) +ENFORCED +ENFORCED +UNSUPPORTED\n.*\ntask_window\\(tasks, STALL\\), host-built run +DIAGNOSED +DIAGNOSED +UNSUPPORTED\n.*\ntask_window\\(tasks, BENCHMARK\\) +RECORDED +RECORDED +UNSUPPORTED\n.*\ndispatch-time predicate +ENFORCED +ENFORCED +UNSUPPORTED\n\nENFORCED: "
  FAIL_REGULAR_EXPRESSION "error")
add_test(NAME cli_caps_platform COMMAND $<TARGET_FILE:pto_cli> caps --platform a2a3sim)
set_tests_properties(cli_caps_platform PROPERTIES
  PASS_REGULAR_EXPRESSION "^feature +a2a3sim threaded +a2a3sim deterministic\ndispatch\\(default\\) +ENFORCED +ENFORCED\n.*\ntask_window\\(bytes, \\*\\) +UNSUPPORTED +UNSUPPORTED\n"
  FAIL_REGULAR_EXPRESSION "deterministic +a2a3|ENFORCED +UNSUPPORTED\n")
add_test(NAME cli_caps_unknown_platform COMMAND $<TARGET_FILE:pto_cli> caps --platform a9)
set_tests_properties(cli_caps_unknown_platform PROPERTIES
  PASS_REGULAR_EXPRESSION "error: PTO_ERR_NOT_FOUND: no platform 'a9' in the capability matrix \\(platforms: a2a3sim, a2a3\\)")
add_test(NAME cli_caps_unknown_platform_fails COMMAND $<TARGET_FILE:pto_cli> caps --platform a9)
set_tests_properties(cli_caps_unknown_platform_fails PROPERTIES WILL_FAIL TRUE)

# ---- symbols (docs/symbols.md): an example reading its symbols' defaults,
# --set of a declared symbol with a value of another type, and two runs
# with different values from one compiled object (symbols_cli.cmake).
set(PTO_SYMBOLS_DIR ${CMAKE_CURRENT_SOURCE_DIR}/data/symbols_example)
add_test(NAME cli_symbols_defaults
  COMMAND $<TARGET_FILE:pto_cli> run ${PTO_SYMBOLS_DIR} --quiet)
set_tests_properties(cli_symbols_defaults PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "symbols: scale=1 bias=0.5 rows=0 \\(sum 0\\) y\\[1\\]=1.5\nPASS symbols"
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
add_test(NAME cli_symbols_set_streamed
  COMMAND $<TARGET_FILE:pto_cli> run ${PTO_SYMBOLS_DIR} --quiet --streamed
          --set scale=2 --set=bias=-1e-1 --set rows=[] --set unused=[7] --set scale=4)
set_tests_properties(cli_symbols_set_streamed PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "symbols: scale=4 bias=-0.1 rows=0 \\(sum 0\\) y\\[1\\]=3.9\nPASS symbols"
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
add_test(NAME cli_symbols_set_wrong_type
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "error: PTO_ERR_INVALID: --set 'scale=2.5': pto_symbol_set_f32: symbol 'scale' is u64, not f32"
    RUN $<TARGET_FILE:pto_cli> run ${PTO_SYMBOLS_DIR} --quiet --set scale=2.5)
set_tests_properties(cli_symbols_set_wrong_type PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)
add_test(NAME cli_symbols_array_too_long_for_example
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "pto_symbol_get_i32_array: symbol 'rows' has 17 elements"
    RUN $<TARGET_FILE:pto_cli> run ${PTO_SYMBOLS_DIR} --quiet
        --set rows=[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17])
set_tests_properties(cli_symbols_array_too_long_for_example PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)
add_test(NAME cli_symbols_no_rebuild
  COMMAND ${CMAKE_COMMAND} -DPTO=$<TARGET_FILE:pto_cli> -DEXAMPLE=${PTO_SYMBOLS_DIR}
          -DCC_LOG=${CMAKE_CURRENT_SOURCE_DIR}/data/cc_log.sh
          -DWORK=${CMAKE_BINARY_DIR}/symbols_cli
          -P ${CMAKE_CURRENT_SOURCE_DIR}/symbols_cli.cmake)
set_tests_properties(cli_symbols_no_rebuild PROPERTIES TIMEOUT 300
  PASS_REGULAR_EXPRESSION "run 2: a different result, nothing compiled")
