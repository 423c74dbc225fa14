# WSP plans (issue #18, docs/plan.md): `pto run PLAN.json` and `pto check`
# (included by tests/CMakeLists.txt). examples/plans/elementwise/README.md
# derives every total_cycles below.

set(PTO_PLAN_ELEMENTWISE ${CMAKE_SOURCE_DIR}/examples/plans/elementwise/plan.json)

# Deterministic: PASS and the exact total_cycles. Entries:
# name|extra flags|total_cycles (flags separated by ',').
foreach(entry
    "streamed||3072"
    "host_built|--host-built|3072"
    "window1|--task-window,1|12288"
    "window2|--task-window,2|6144"
    "affinity|--dispatch,affinity:4|6144"
    "hash|--dispatch,hash:4|5120"
    "work_steal|--dispatch,work_steal:4|3072")
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 flags)
  list(GET parts 2 cycles)
  string(REPLACE "," ";" flags "${flags}")
  add_test(NAME example_plan_elementwise_det_${name}
    COMMAND $<TARGET_FILE:pto_cli> run ${PTO_PLAN_ELEMENTWISE} --deterministic --blocks 2 ${flags})
  set_tests_properties(example_plan_elementwise_det_${name} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS elementwise .*\ntotal_cycles +${cycles}\n"
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()

# Threaded: PASS (where each task runs depends on the threads).
add_test(NAME example_plan_elementwise_threaded
  COMMAND $<TARGET_FILE:pto_cli> run ${PTO_PLAN_ELEMENTWISE} --blocks 2 --quiet)
set_tests_properties(example_plan_elementwise_threaded PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS elementwise " FAIL_REGULAR_EXPRESSION "FAIL|error:")

add_test(NAME cli_plan_check
  COMMAND $<TARGET_FILE:pto_cli> check ${PTO_PLAN_ELEMENTWISE})
set_tests_properties(cli_plan_check PROPERTIES
  PASS_REGULAR_EXPRESSION "OK elementwise: .* is a valid plan \\(wsp_runtime_abi v10.0\\)")

# 13 tiles of a 12-tile tensor: refused by check (and by run) naming the
# field and the iteration.
foreach(cmd check run)
  add_test(NAME cli_plan_${cmd}_out_of_bounds
    COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
      EXPECT "error: PTO_ERR_INVALID: /workload/body/0/parallel_for/body/0/task/args/0/offsets/0: view out of bounds at b=12: offset 'b * 16' = 192 with extent 16 does not fit dim 0 of tensor 'x' (size 192)"
      RUN $<TARGET_FILE:pto_cli> ${cmd} ${PTO_PLAN_ELEMENTWISE} --set num_tiles=13)
  set_tests_properties(cli_plan_${cmd}_out_of_bounds PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}")
endforeach()

add_test(NAME cli_plan_bad_abi
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "/wsp_runtime_abi: unsupported ABI 'v9.1': this runtime supports \"v10.0\" only"
    RUN $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/plans/bad_abi.json)
add_test(NAME cli_plan_set_unknown
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "--set 'tiles=3': the plan declares no symbol 'tiles'"
    RUN $<TARGET_FILE:pto_cli> check ${PTO_PLAN_ELEMENTWISE} --set tiles=3)
# check needs a plan file: a usage error (exit 2) otherwise.
add_test(NAME cli_check_needs_plan
  COMMAND $<TARGET_FILE:pto_cli> check ${CMAKE_SOURCE_DIR}/examples/vector)
set_tests_properties(cli_check_needs_plan PROPERTIES WILL_FAIL TRUE)

# for_each: iterations in time order (two tasks per iteration, joined by a
# dependency-only task): 12 iterations of 1024 cycles, 36 tasks.
foreach(mode streamed host-built)
  add_test(NAME example_plan_for_each_det_${mode}
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/plans/elementwise/for_each.json
            --deterministic --blocks 2 --${mode})
  set_tests_properties(example_plan_for_each_det_${mode} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS elementwise_for_each .*\ntasks +36\n.*\ntotal_cycles +12288\n"
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()

# Streamed expansion inside the bounded rings: 10^6 one-cycle tasks through
# the default 16384-slot ring (loop scopes let them retire); 48 AIV cores
# on 24 blocks: ceil(10^6 / 48) = 20834 cycles.
add_test(NAME example_plan_million_det
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/plans/million/plan.json
          --deterministic)
set_tests_properties(example_plan_million_det PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "DONE million .*\ntasks +1000000\n.*\ntotal_cycles +20834\n"
  FAIL_REGULAR_EXPRESSION "error:")

# examples/plans/{matmul16,gemm_tiled,rmsnorm,softmax,spmd,mix}: each README derives
# these totals by hand. Deterministic: PASS and the exact total_cycles.
# Entries: plan|test name|extra flags|dispatch_cycles|total_cycles (flags
# separated by ','; dispatch_cycles goes to PTO_DISPATCH_CYCLES, empty for
# the default 0). The task counts (no join tasks: gemm_tiled's for_each
# has one task per iteration) are checked too.
set(PTO_PLAN_TASKS_matmul16 1)
set(PTO_PLAN_TASKS_gemm_tiled 16)
set(PTO_PLAN_TASKS_rmsnorm 8)
set(PTO_PLAN_TASKS_softmax 6)
set(PTO_PLAN_TASKS_spmd 2)
set(PTO_PLAN_TASKS_mix 4)
set(PTO_PLAN_MIX_GOLDEN --golden,y=${CMAKE_SOURCE_DIR}/examples/plans/mix/golden_y.npy)
foreach(entry
    "matmul16|b1|--blocks,1||4864"
    "matmul16|b2|--blocks,2||4864"
    "matmul16|b2_d3|--blocks,2|3|4867"
    "gemm_tiled|b1|--blocks,1||81920"
    "gemm_tiled|b2|--blocks,2||40960"
    "gemm_tiled|b3|--blocks,3||30720"
    "gemm_tiled|b4|--blocks,4||20480"
    "gemm_tiled|b2_d3|--blocks,2|3|40984"
    "gemm_tiled|b3_d3|--blocks,3|3|30738"
    "gemm_tiled|b4_d3|--blocks,4|3|20492"
    "gemm_tiled|b2_host_built|--blocks,2,--host-built||40960"
    "gemm_tiled|b2_window1|--blocks,2,--task-window,1||81920"
    "gemm_tiled|b2_window2|--blocks,2,--task-window,2||66560"
    "rmsnorm|b1|--blocks,1||5440"
    "rmsnorm|b2|--blocks,2||2720"
    "rmsnorm|b3|--blocks,3||2720"
    "rmsnorm|b4|--blocks,4||1360"
    "rmsnorm|b2_d3|--blocks,2|3|2726"
    "rmsnorm|b2_round_robin|--blocks,2,--dispatch,round_robin:4||2720"
    "softmax|b1|--blocks,1||3936"
    "softmax|b2|--blocks,2||2624"
    "softmax|b3|--blocks,3||1312"
    "softmax|b2_d3|--blocks,2|3|2630"
    "softmax|b3_d3|--blocks,3|3|1315"
    "spmd|b2|--blocks,2||6144"
    "spmd|b4|--blocks,4||3072"
    "spmd|b2_d3|--blocks,2|3|6150"
    "spmd|b2_host_built|--blocks,2,--host-built||6144"
    "mix|b1|--blocks,1,${PTO_PLAN_MIX_GOLDEN}||19456"
    "mix|b2|--blocks,2,${PTO_PLAN_MIX_GOLDEN}||9728"
    "mix|b4|--blocks,4,${PTO_PLAN_MIX_GOLDEN}||4864"
    "mix|b2_d3|--blocks,2,${PTO_PLAN_MIX_GOLDEN}|3|9734"
    "mix|b2_host_built|--blocks,2,--host-built,${PTO_PLAN_MIX_GOLDEN}||9728")
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 plan)
  list(GET parts 1 name)
  list(GET parts 2 flags)
  list(GET parts 3 dcycles)
  list(GET parts 4 cycles)
  string(REPLACE "," ";" flags "${flags}")
  set(env "${PTO_KCACHE_ENV}")
  if(NOT dcycles STREQUAL "")
    list(APPEND env "PTO_DISPATCH_CYCLES=${dcycles}")
  endif()
  add_test(NAME example_plan_${plan}_det_${name}
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/plans/${plan}/plan.json
            --deterministic ${flags})
  set_tests_properties(example_plan_${plan}_det_${name} PROPERTIES
    ENVIRONMENT "${env}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION
      "PASS ${plan} .*\ntasks +${PTO_PLAN_TASKS_${plan}}\n.*\ntotal_cycles +${cycles}\n"
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()

# The same plans threaded: PASS (cycles depend on the threads), and check.
set(PTO_PLAN_THREADED_mix --golden y=${CMAKE_SOURCE_DIR}/examples/plans/mix/golden_y.npy)
foreach(plan matmul16 gemm_tiled rmsnorm softmax spmd mix)
  add_test(NAME example_plan_${plan}_threaded
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/plans/${plan}/plan.json
            --blocks 2 --quiet ${PTO_PLAN_THREADED_${plan}})
  set_tests_properties(example_plan_${plan}_threaded PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS ${plan} " FAIL_REGULAR_EXPRESSION "FAIL|error:")
  add_test(NAME cli_plan_check_${plan}
    COMMAND $<TARGET_FILE:pto_cli> check ${CMAKE_SOURCE_DIR}/examples/plans/${plan}/plan.json)
  set_tests_properties(cli_plan_check_${plan} PROPERTIES
    PASS_REGULAR_EXPRESSION "OK ${plan}: .* is a valid plan \\(wsp_runtime_abi v10.0\\)")
endforeach()

# examples/plans/cond_slot (its README derives these): a cond on a slot
# loaded per tile from a tensor a first kernel wrote, lowered to
# predicates: 1 + 8 slot loads + 16 kernel tasks, 8 of them skipped; the
# tiles run one after another (the slot's readers and its next load are
# ordered): 40 + 5*1024 + 3*512 = 6696 cycles. The golden is from
# gen_golden.py (y, and the flags the first kernel wrote).
set(PTO_PLAN_COND_SLOT ${CMAKE_SOURCE_DIR}/examples/plans/cond_slot)
set(PTO_PLAN_COND_SLOT_GOLDEN --golden y=${PTO_PLAN_COND_SLOT}/golden_y.npy
    --golden flags=${PTO_PLAN_COND_SLOT}/golden_flags.npy)
foreach(mode streamed host-built)
  add_test(NAME example_plan_cond_slot_det_${mode}
    COMMAND $<TARGET_FILE:pto_cli> run ${PTO_PLAN_COND_SLOT}/plan.json --deterministic
            --blocks 2 --${mode} ${PTO_PLAN_COND_SLOT_GOLDEN})
  set_tests_properties(example_plan_cond_slot_det_${mode} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION
      "PASS cond_slot max_err=0 .*\ntasks +25\n.*\ntotal_cycles +6696\nskipped +8 "
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()
add_test(NAME example_plan_cond_slot_threaded
  COMMAND $<TARGET_FILE:pto_cli> run ${PTO_PLAN_COND_SLOT}/plan.json --blocks 2
          ${PTO_PLAN_COND_SLOT_GOLDEN})
set_tests_properties(example_plan_cond_slot_threaded PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS cond_slot max_err=0 .*\nskipped +8 "
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
# The plan needs runtime slots and dispatch-time predicates: refused on a2a3.
add_test(NAME cli_plan_check_cond_slot_a2a3
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "error: PTO_ERR_INVALID: /capabilities/0: 'runtime slots' is UNSUPPORTED on a2a3: the plan is refused"
    RUN $<TARGET_FILE:pto_cli> check ${PTO_PLAN_COND_SLOT}/plan.json --platform a2a3)
add_test(NAME cli_plan_check_cond_slot
  COMMAND $<TARGET_FILE:pto_cli> check ${PTO_PLAN_COND_SLOT}/plan.json)
set_tests_properties(cli_plan_check_cond_slot PROPERTIES
  PASS_REGULAR_EXPRESSION "OK cond_slot: .* is a valid plan \\(wsp_runtime_abi v10.0\\)")

# tests/data/plans/slots: nested dynamic conds (a cond on a slot inside
# the then branch of another), an else branch with its own predicate, a
# key read from a u64 slot, a slot_set from a symbol, under a for_each
# whose iteration t loads c := cnt[t] = t. Task per iteration: the load,
# A (c >= 2 && c == 3), B (c >= 2 && !(c == 3)), C (!(c >= 2) && t == 1)
# and 3 joins; plus the first slot_set: 1 + 4 * 7 = 29 tasks. t = 0: A, B,
# C skipped (3); t = 1: C runs, A, B skipped; t = 2: B runs; t = 3: A
# runs (2 skipped each): 9 skipped. The iterations are in time order and
# each runs one 1024-cycle task from t = 1: 3 * 1024 = 3072.
foreach(mode streamed host-built)
  add_test(NAME example_plan_slots_det_${mode}
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/plans/slots/plan.json
            --deterministic --blocks 2 --${mode})
  set_tests_properties(example_plan_slots_det_${mode} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "DONE slots .*\ntasks +29\n.*\ntotal_cycles +3072\nskipped +9 "
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()
add_test(NAME example_plan_slots_threaded
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/plans/slots/plan.json
          --blocks 2)
set_tests_properties(example_plan_slots_threaded PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "DONE slots .*\ntasks +29\n.*\nskipped +9 "
  FAIL_REGULAR_EXPRESSION "FAIL|error:")

# The JSON Schema is valid and accepts every plan in the repository (when
# python3 and its jsonschema module are there).
find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_FOUND)
  execute_process(COMMAND ${Python3_EXECUTABLE} -c "import jsonschema"
                  RESULT_VARIABLE PTO_NO_JSONSCHEMA OUTPUT_QUIET ERROR_QUIET)
  if(NOT PTO_NO_JSONSCHEMA)
    file(GLOB PTO_PLAN_FILES ${CMAKE_SOURCE_DIR}/examples/plans/*/*.json
         ${CMAKE_CURRENT_SOURCE_DIR}/data/plans/*/plan.json)
    add_test(NAME plan_schema
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/plan_schema.py
              ${CMAKE_SOURCE_DIR}/schema/plan.schema.json ${PTO_PLAN_FILES})
    set_tests_properties(plan_schema PROPERTIES PASS_REGULAR_EXPRESSION "plans checked, 0 errors")
  endif()
endif()

# .npy files: --output writes x and y; x read back with --input gives the
# same run (PASS); y read as x does not (FAIL, exit 1); a file of another
# shape is refused naming both shapes (libpto_tools' pto_npy_check).
set(PTO_PLAN_NPY ${CMAKE_CURRENT_BINARY_DIR}/plan_npy)
file(MAKE_DIRECTORY ${PTO_PLAN_NPY})
add_test(NAME cli_plan_npy_output
  COMMAND $<TARGET_FILE:pto_cli> run ${PTO_PLAN_ELEMENTWISE} --quiet
          --output x=${PTO_PLAN_NPY}/x.npy --output y=${PTO_PLAN_NPY}/y.npy)
set_tests_properties(cli_plan_npy_output PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}"
  PASS_REGULAR_EXPRESSION "PASS elementwise" FAIL_REGULAR_EXPRESSION "error:"
  FIXTURES_SETUP pto_plan_npy)
add_test(NAME cli_plan_npy_input
  COMMAND $<TARGET_FILE:pto_cli> run ${PTO_PLAN_ELEMENTWISE} --quiet --input x=${PTO_PLAN_NPY}/x.npy)
set_tests_properties(cli_plan_npy_input PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}"
  PASS_REGULAR_EXPRESSION "PASS elementwise" FAIL_REGULAR_EXPRESSION "error:|FAIL"
  FIXTURES_REQUIRED pto_plan_npy)
add_test(NAME cli_plan_npy_input_other_data
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "FAIL elementwise max_err=6.14"
    RUN $<TARGET_FILE:pto_cli> run ${PTO_PLAN_ELEMENTWISE} --quiet --input x=${PTO_PLAN_NPY}/y.npy)
set_tests_properties(cli_plan_npy_input_other_data PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}"
  FIXTURES_REQUIRED pto_plan_npy)
add_test(NAME cli_plan_npy_wrong_shape
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "/tensors/0: tensor 'x': expected f32 (192, 16), got f32 (16, 16) (descr '<f4'): shape differs"
    RUN $<TARGET_FILE:pto_cli> run ${PTO_PLAN_ELEMENTWISE} --quiet
        --input x=${CMAKE_CURRENT_SOURCE_DIR}/data/plans/tile16.npy)
set_tests_properties(cli_plan_npy_wrong_shape PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}")

# The required capabilities against the matrix: the gated a2a3 column
# supports no dispatch policy yet.
add_test(NAME cli_plan_check_caps_a2a3
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "/capabilities/0: 'dispatch(round_robin)' is UNSUPPORTED on a2a3: the plan is refused"
    RUN $<TARGET_FILE:pto_cli> check ${PTO_PLAN_ELEMENTWISE} --platform a2a3)

# --golden: y as written by cli_plan_npy_output is y's golden (PASS); x as
# y's golden is not (FAIL, exit 1).
add_test(NAME cli_plan_golden
  COMMAND $<TARGET_FILE:pto_cli> run ${PTO_PLAN_ELEMENTWISE} --quiet --golden y=${PTO_PLAN_NPY}/y.npy)
set_tests_properties(cli_plan_golden PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}"
  PASS_REGULAR_EXPRESSION "PASS elementwise" FAIL_REGULAR_EXPRESSION "error:|FAIL"
  FIXTURES_REQUIRED pto_plan_npy)
add_test(NAME cli_plan_golden_differs
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "FAIL elementwise max_err=3.07"
    RUN $<TARGET_FILE:pto_cli> run ${PTO_PLAN_ELEMENTWISE} --quiet --golden y=${PTO_PLAN_NPY}/x.npy)
set_tests_properties(cli_plan_golden_differs PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}"
  FIXTURES_REQUIRED pto_plan_npy)

# Ragged and sparse axes over i32[] symbols (examples/plans/ragged and
# sparse, whose READMEs derive every count and total below): the default
# symbols (checked against golden_y.npy from gen_golden.py) and --set
# arrays that change the task count. ragged/flat.json and
# sparse/flat.json are the same loops in the flat form (outer_var,
# flat_var) over packed tensors, checked by value (expect rule, golden).
foreach(entry
    "ragged/plan|ragged_default|--golden~y=${CMAKE_SOURCE_DIR}/examples/plans/ragged/golden_y.npy|10|3072"
    "ragged/plan|ragged_window1|--task-window~1|10|10240"
    "ragged/plan|ragged_set|--set~seq_lens=[8,8,8,1]|25|7168"
    "ragged/plan|ragged_set_window1|--set~seq_lens=[8,8,8,1]~--task-window~1|25|25600"
    "sparse/plan|sparse_default|--golden~y=${CMAKE_SOURCE_DIR}/examples/plans/sparse/golden_y.npy|5|2048"
    "sparse/plan|sparse_window1|--task-window~1|5|5120"
    "sparse/plan|sparse_set|--set~row_ptr=[0,2,3,5,8]|8|2048"
    "sparse/plan|sparse_set_window1|--set~row_ptr=[0,2,3,5,8]~--task-window~1|8|8192"
    "sparse/select|sparse_select|--golden~y=${CMAKE_SOURCE_DIR}/examples/plans/sparse/golden_y.npy|5|2048"
    "ragged/flat|ragged_flat||10|3072"
    "ragged/flat|ragged_flat_window1|--task-window~1|10|10240"
    "sparse/flat|sparse_flat|--golden~y=${CMAKE_SOURCE_DIR}/examples/plans/sparse/golden_flat_y.npy|5|2048"
    "sparse/flat|sparse_flat_set|--set~row_ptr=[0,2,3,5,8]|8|2048")
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 plan)
  list(GET parts 1 name)
  list(GET parts 2 flags)
  list(GET parts 3 tasks)
  list(GET parts 4 cycles)
  string(REPLACE "~" ";" flags "${flags}") # "," is inside the arrays
  add_test(NAME example_plan_${name}
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/plans/${plan}.json
            --deterministic --blocks 2 ${flags})
  string(REPLACE "/plan" "" pname "${plan}") # the plan's "name": ragged, sparse_select
  string(REPLACE "/" "_" pname "${pname}")
  set_tests_properties(example_plan_${name} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "(DONE|PASS) ${pname} .*\ntasks +${tasks}\n.*\ntotal_cycles +${cycles}\n"
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()
foreach(cmd check run)
  add_test(NAME cli_plan_${cmd}_sparse_indptr
    COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
      EXPECT "error: PTO_ERR_INVALID: /axes/1/indptr: row_ptr[4] = 9 is past the end of 'col_idx' (8 elements)"
      RUN $<TARGET_FILE:pto_cli> ${cmd} ${CMAKE_SOURCE_DIR}/examples/plans/sparse/plan.json
          --set row_ptr=[0,2,3,3,9])
  set_tests_properties(cli_plan_${cmd}_sparse_indptr PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}")
  add_test(NAME cli_plan_${cmd}_ragged_negative
    COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
      EXPECT "error: PTO_ERR_INVALID: /axes/1/lengths: seq_lens[1] = -1 is negative"
      RUN $<TARGET_FILE:pto_cli> ${cmd} ${CMAKE_SOURCE_DIR}/examples/plans/ragged/plan.json
          --set seq_lens=[1,-1,1,1])
  set_tests_properties(cli_plan_${cmd}_ragged_negative PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}")
endforeach()
add_test(NAME cli_plan_ragged_set_length
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "--set 'seq_lens=[1,1,1]': symbol 'seq_lens' has length 4: 3 values given"
    RUN $<TARGET_FILE:pto_cli> check ${CMAKE_SOURCE_DIR}/examples/plans/ragged/plan.json
        --set seq_lens=[1,1,1])

# The decoder layer on 24 blocks (examples/plans/decoder/README.md derives
# the 112 tasks, the 5 skipped experts and total_cycles = 42836): its
# goldens (data/golden_*.npy, named by the plan) give PASS.
set(PTO_PLAN_DECODER ${CMAKE_SOURCE_DIR}/examples/plans/decoder/plan.json)
foreach(mode streamed host-built)
  add_test(NAME example_plan_decoder_det_${mode}
    COMMAND $<TARGET_FILE:pto_cli> run ${PTO_PLAN_DECODER} --deterministic --blocks 24 --${mode})
  set_tests_properties(example_plan_decoder_det_${mode} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS decoder .*\ntasks +112\n.*\ntotal_cycles +42836\nskipped +5 "
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()
add_test(NAME example_plan_decoder_dispatch3
  COMMAND $<TARGET_FILE:pto_cli> run ${PTO_PLAN_DECODER} --deterministic --blocks 24)
set_tests_properties(example_plan_decoder_dispatch3 PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV};PTO_DISPATCH_CYCLES=3" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS decoder .*\ntotal_cycles +42866\n"
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
add_test(NAME example_plan_decoder_threaded
  COMMAND $<TARGET_FILE:pto_cli> run ${PTO_PLAN_DECODER} --blocks 24 --quiet)
set_tests_properties(example_plan_decoder_threaded PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS decoder " FAIL_REGULAR_EXPRESSION "FAIL|error:")
# The page table selects the data: sequence 0's two pages swapped (a valid
# table) runs and fails the goldens.
add_test(NAME example_plan_decoder_page_swap
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "FAIL decoder max_err="
    RUN $<TARGET_FILE:pto_cli> run ${PTO_PLAN_DECODER} --deterministic --blocks 24 --quiet
        --set page_table=[2,13,7,18,0,11,5,16,9,3,14,19,6,1,10,12])
set_tests_properties(example_plan_decoder_page_swap PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}"
  TIMEOUT 300)
# An element index out of the page table, and a page past the pool: both
# refused by check (and run) naming the iteration.
foreach(cmd check run)
  add_test(NAME cli_plan_${cmd}_decoder_pos_out_of_range
    COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
      EXPECT "error: PTO_ERR_INVALID: /workload/body/1/parallel_for/body/0/parallel_for/body/0/task/args/5/offsets/0: array index out of range at b=7, h=0: index 'b * 2 + sym.pos / 16' of 'page_table' = 16, but 'page_table' has 16 elements"
      RUN $<TARGET_FILE:pto_cli> ${cmd} ${PTO_PLAN_DECODER} --blocks 24 --set pos=32)
  set_tests_properties(cli_plan_${cmd}_decoder_pos_out_of_range PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}")
endforeach()
add_test(NAME cli_plan_check_decoder_page_past_pool
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "error: PTO_ERR_INVALID: /workload/body/1/parallel_for/body/0/parallel_for/body/0/task/args/5/offsets/0: view out of bounds at b=7, h=0: offset 'sym.page_table[b * 2 + sym.pos / 16] * 16 + sym.pos % 16' = 335 with extent 1 does not fit dim 0 of tensor 'k_cache' (size 320)"
    RUN $<TARGET_FILE:pto_cli> check ${PTO_PLAN_DECODER}
        --set page_table=[13,2,7,18,0,11,5,16,9,3,14,19,6,1,10,20])

# An SPMD task of more blocks than the device has cores of its type is
# refused at the task, naming its path (examples/plans/spmd/README.md).
add_test(NAME example_plan_spmd_too_many_blocks
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/plans/spmd/plan.json
          --deterministic --blocks 1)
set_tests_properties(example_plan_spmd_too_many_blocks PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION
    "/workload/body/0/parallel_for/body/0/task: pto_submit_spmd: block_num 4 is more than the device's 2 AIV cores")

# The flat form names every variable of an iteration out of bounds:
# 25 packed tiles do not fit ragged/flat.json's 10 (README).
add_test(NAME example_plan_ragged_flat_out_of_bounds
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/plans/ragged/flat.json
          --deterministic --blocks 2 --set seq_lens=[8,8,8,1])
set_tests_properties(example_plan_ragged_flat_out_of_bounds PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION
    "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: view out of bounds at t=2, b=1, f=10: offset 'f \\* 16' = 160")
# examples/plans/csp_pipeline (README.md derives every total): load ->
# compute -> store over 8 tiles as three CSP processes; capacity 2 gives
# 9216 + 2L, rendezvous channels (rendezvous.json) 9216 + 9L. Tasks: the
# 24 kernels, and at L > 0 one token-arrival task per token (16).
# Entries: plan file|test name|extra flags|tasks|total_cycles.
foreach(entry
    "plan|L0||24|9216"
    "plan|L16|--set,__pto_wsp_channel_latency_cycles=16|40|9248"
    "plan|L64|--set,__pto_wsp_channel_latency_cycles=64|40|9344"
    "plan|L16_host_built|--host-built,--set,__pto_wsp_channel_latency_cycles=16|40|9248"
    "rendezvous|L0||24|9216"
    "rendezvous|L16|--set,__pto_wsp_channel_latency_cycles=16|40|9360"
    "rendezvous|L64|--set,__pto_wsp_channel_latency_cycles=64|40|9792"
    "rendezvous|L64_host_built|--host-built,--set,__pto_wsp_channel_latency_cycles=64|40|9792")
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 file)
  list(GET parts 1 name)
  list(GET parts 2 flags)
  list(GET parts 3 tasks)
  list(GET parts 4 cycles)
  string(REPLACE "," ";" flags "${flags}")
  set(pname csp_pipeline)
  if(file STREQUAL "rendezvous")
    set(pname csp_pipeline_rendezvous)
  endif()
  add_test(NAME example_plan_csp_pipeline_${file}_det_${name}
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/plans/csp_pipeline/${file}.json
            --deterministic --blocks 2 ${flags})
  set_tests_properties(example_plan_csp_pipeline_${file}_det_${name} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS ${pname} .*\ntasks +${tasks}\n.*\ntotal_cycles +${cycles}\n"
    FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()
foreach(file plan rendezvous)
  add_test(NAME example_plan_csp_pipeline_${file}_threaded
    COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_SOURCE_DIR}/examples/plans/csp_pipeline/${file}.json
            --blocks 2 --quiet --set __pto_wsp_channel_latency_cycles=16)
  set_tests_properties(example_plan_csp_pipeline_${file}_threaded PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
    PASS_REGULAR_EXPRESSION "PASS csp_pipeline" FAIL_REGULAR_EXPRESSION "FAIL|error:")
endforeach()
add_test(NAME cli_plan_check_csp_pipeline
  COMMAND $<TARGET_FILE:pto_cli> check ${CMAKE_SOURCE_DIR}/examples/plans/csp_pipeline/plan.json)
set_tests_properties(cli_plan_check_csp_pipeline PROPERTIES
  PASS_REGULAR_EXPRESSION "OK csp_pipeline: .* is a valid plan \\(wsp_runtime_abi v10.0\\)")
# The plan and the C orchestration of examples/csp_pipeline: the same graph,
# task by task and cycle by cycle.
foreach(latency 0 16)
  add_test(NAME example_plan_csp_pipeline_same_graph_L${latency}
    COMMAND ${CMAKE_COMMAND} -DPTO=$<TARGET_FILE:pto_cli> -DSRC=${CMAKE_SOURCE_DIR}
            -DOUT=${CMAKE_CURRENT_BINARY_DIR}/plan_csp_graph -DLATENCY=${latency}
            -P ${CMAKE_CURRENT_SOURCE_DIR}/plan_csp_graph.cmake)
  set_tests_properties(example_plan_csp_pipeline_same_graph_L${latency} PROPERTIES
    ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300)
endforeach()

# A 10^6-item CSP stream from a plan in flat memory: producer and consumer
# of one-cycle tasks over a capacity-4 channel, task window 64. P_k =
# [k, k+1), token k at k + 1 (receive k - 4 started at k - 3), C_k = [k+1,
# k+2): n + 1 cycles, 2n tasks (at latency 0 a token is edges only).
add_test(NAME example_plan_csp_million_det
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/plans/csp_million/plan.json
          --deterministic)
set_tests_properties(example_plan_csp_million_det PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "DONE csp_million .*\ntasks +2000000\n.*\ntotal_cycles +1000001\n"
  FAIL_REGULAR_EXPRESSION "error:")

# tests/data/plans/csp/plan.json (also a fuzz seed): two replicas of a
# producer (each y tile r = 2x + 1, 1024 cycles, both [0, 1024)) send r on
# a fan-in channel of capacity 1; the consumer recv's the first payload,
# then consumes the rest: z tile v = 2y + 1 at [1024, 2048) and [2048,
# 3072) (the second send completes at max(1024, start of the first
# receive's task = 1024)): 3072 cycles, y = 1 and z = 3 all over (PASS)
# only if both payloads arrived. Host-built refuses the fan-in.
add_test(NAME example_plan_csp_fan_in_det
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/plans/csp/plan.json
          --deterministic --blocks 2)
set_tests_properties(example_plan_csp_fan_in_det PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS csp_fan_in .*\ntotal_cycles +3072\n"
  FAIL_REGULAR_EXPRESSION "FAIL|error:")
add_test(NAME example_plan_csp_fan_in_threaded
  COMMAND $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/plans/csp/plan.json
          --blocks 2 --quiet)
set_tests_properties(example_plan_csp_fan_in_threaded PROPERTIES
  ENVIRONMENT "${PTO_KCACHE_ENV}" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "PASS csp_fan_in" FAIL_REGULAR_EXPRESSION "FAIL|error:")
add_test(NAME cli_plan_csp_fan_in_host_built
  COMMAND ${CMAKE_COMMAND} -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.cmake --
    EXPECT "/csp/channels/0: pto_channel_fan_in('c')"
    RUN $<TARGET_FILE:pto_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/plans/csp/plan.json
        --deterministic --blocks 2 --host-built)
set_tests_properties(cli_plan_csp_fan_in_host_built PROPERTIES ENVIRONMENT "${PTO_KCACHE_ENV}")
