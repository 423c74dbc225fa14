# Hostile input for the `pto` CLI (run by CTest as hostile_cli, label
# `hostile`): bad flags, bad PTO_* values and bad paths. Every case must be
# rejected cleanly: a non-zero exit code below 128 (no signal, no crash)
# within 20 s, every EXPECT text on stderr (the message names the bad value)
# and no FORBID text anywhere. All cases fail before anything is compiled or
# run, so the whole set takes well under a second on an idle machine. One
# script for all cases keeps the process count (and the time) down; a
# failure names every case that failed.
#
#   cmake -DPTO=<path to pto> -DEXAMPLE=<an example dir> -P cli_hostile.cmake
cmake_policy(VERSION 3.18)
if(NOT PTO OR NOT EXAMPLE)
  message(FATAL_ERROR "cli_hostile.cmake: pass -DPTO=... -DEXAMPLE=...")
endif()
set(failed "")

# reject(<name> [ENV NAME=VALUE]... [EXPECT text]... [FORBID text]... RUN args...)
# ENV sets a variable for this case only.
function(reject name)
  cmake_parse_arguments(R "" "" "ENV;EXPECT;FORBID;RUN" ${ARGN})
  set(names "")
  foreach(kv IN LISTS R_ENV)
    string(FIND "${kv}" "=" eq)
    string(SUBSTRING "${kv}" 0 ${eq} n)
    math(EXPR from "${eq} + 1")
    string(SUBSTRING "${kv}" ${from} -1 v)
    set(ENV{${n}} "${v}")
    list(APPEND names ${n})
  endforeach()
  execute_process(COMMAND ${PTO} ${R_RUN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err TIMEOUT 20)
  foreach(n IN LISTS names)
    unset(ENV{${n}})
  endforeach()
  set(why "")
  if(NOT rc MATCHES "^[0-9]+$")
    set(why "did not exit normally: ${rc}")
  elseif(rc EQUAL 0)
    set(why "succeeded; a rejection was expected")
  elseif(rc GREATER_EQUAL 128)
    set(why "exit code ${rc} (a signal?)")
  endif()
  foreach(e IN LISTS R_EXPECT)
    string(FIND "${err}" "${e}" pos)
    if(pos EQUAL -1)
      string(APPEND why " stderr lacks '${e}';")
    endif()
  endforeach()
  foreach(f IN LISTS R_FORBID)
    string(FIND "${out}${err}" "${f}" pos)
    if(NOT pos EQUAL -1)
      string(APPEND why " output contains '${f}';")
    endif()
  endforeach()
  string(REGEX REPLACE "\n.*" "" first "${err}")
  if(why)
    message("FAIL ${name}: ${why}\n  pto ${R_RUN}\n  exit ${rc}\n  stderr: ${err}")
    set(failed "${failed} ${name}" PARENT_SCOPE)
  else()
    message("ok   ${name} (exit ${rc}): ${first}")
  endif()
endfunction()

# Flags.
reject(blocks_0 EXPECT "--blocks '0'" "1..24" RUN info --blocks 0)
reject(schedulers_0 EXPECT "--schedulers '0'" "1..4" RUN info --schedulers 0)
reject(window_0 EXPECT "--window '0'" RUN info --window 0)
reject(window_3 EXPECT "--window '3' is not a power of two" RUN info --window 3)
reject(window_empty EXPECT "--window '' is not valid" RUN info --window=)
reject(blocks_25 EXPECT "--blocks '25'" "1..24" RUN info --blocks 25)
reject(schedulers_5 EXPECT "--schedulers '5'" RUN info --schedulers 5)
reject(blocks_abc EXPECT "--blocks 'abc'" RUN info --blocks abc)
reject(blocks_010 EXPECT "--blocks '010'" "leading zero" RUN info --blocks 010)
reject(blocks_hex EXPECT "--blocks '0x10'" "hexadecimal" RUN info --blocks 0x10)
reject(blocks_negative EXPECT "--blocks '-1'" "sign" RUN info --blocks -1)
reject(blocks_plus EXPECT "--blocks '+4'" "sign" RUN info --blocks +4)
reject(blocks_huge EXPECT "--blocks '99999999999999999999'"
       RUN info --blocks 99999999999999999999)
reject(blocks_missing_value EXPECT "--blocks needs a value" RUN info --blocks)
reject(run_blocks_0 EXPECT "--blocks '0'" RUN run ${EXAMPLE} --blocks 0)
reject(run_window_0 EXPECT "--window '0'" RUN run ${EXAMPLE} --window 0)
reject(unknown_option EXPECT "unknown option '--frobnicate'" RUN info --frobnicate)
reject(unknown_command EXPECT "unknown command 'frob'" RUN frob)
reject(run_no_dir EXPECT "run needs an example directory" RUN run)
reject(run_extra_arg EXPECT "unexpected argument 'extra'" RUN run ${EXAMPLE} extra)
reject(run_missing_dir EXPECT "/nonexistent/pto-example" RUN run /nonexistent/pto-example)
reject(run_modes_clash EXPECT "exclude each other" RUN run ${EXAMPLE} --streamed --host-built)
reject(trace_no_file EXPECT "--trace needs a file name" RUN run ${EXAMPLE} --trace)
# --task-window SIZE[:UNIT[:MODE]] (the library refuses bytes and entries:
# that is a run error, see examples.cmake, not a usage error).
reject(task_window_abc EXPECT "--task-window 'abc' is not valid: size 'abc'"
       RUN run ${EXAMPLE} --task-window abc)
reject(task_window_huge EXPECT "--task-window '4294967296' is out of range"
       RUN run ${EXAMPLE} --task-window 4294967296)
reject(task_window_unit EXPECT "--task-window '4:pages' is not valid: unit 'pages'"
       RUN run ${EXAMPLE} --task-window 4:pages)
reject(task_window_empty_unit EXPECT "--task-window '4:' is not valid: unit ''"
       RUN run ${EXAMPLE} --task-window 4:)
reject(task_window_mode EXPECT "--task-window '4:tasks:wait' is not valid: mode 'wait'"
       RUN run ${EXAMPLE} --task-window 4:tasks:wait)
reject(task_window_fields EXPECT "--task-window '4:tasks:stall:x' is not valid: more fields"
       RUN run ${EXAMPLE} --task-window 4:tasks:stall:x)
reject(task_window_missing EXPECT "--task-window needs a value" RUN run ${EXAMPLE} --task-window)
reject(task_window_info EXPECT "unknown option '--task-window'" RUN info --task-window 1)
reject(caps_extra EXPECT "caps takes no argument but --platform NAME, not '--blocks'"
       RUN caps --blocks 2)
# PTO_* variables.
reject(env_blocks_hex ENV "PTO_BLOCKS=0x10" EXPECT "PTO_BLOCKS='0x10'" "hexadecimal"
       RUN info)
reject(env_blocks_octal ENV "PTO_BLOCKS=010" EXPECT "PTO_BLOCKS='010'" RUN info)
reject(env_blocks_space ENV "PTO_BLOCKS= " EXPECT "PTO_BLOCKS=' '" RUN info)
reject(env_blocks_0 ENV "PTO_BLOCKS=0" EXPECT "PTO_BLOCKS=0" RUN info)
reject(env_window_negative ENV "PTO_TASK_WINDOW=-1" EXPECT "PTO_TASK_WINDOW='-1'"
       FORBID "18446744073709551615" RUN info)
reject(env_window_huge ENV "PTO_TASK_WINDOW=99999999999999999999"
       EXPECT "PTO_TASK_WINDOW='99999999999999999999'" RUN info)
reject(env_window_3 ENV "PTO_TASK_WINDOW=3" EXPECT "(PTO_TASK_WINDOW)=3 is not a power of two"
       RUN info)
reject(env_spin ENV "PTO_SPIN_US=abc" EXPECT "PTO_SPIN_US='abc'" RUN info)
reject(env_exec_threads ENV "PTO_EXEC_THREADS=100" EXPECT "exec_threads=100" RUN info)
# A bad variable is reported before the example is compiled.
reject(env_before_compile ENV "PTO_BLOCKS=0x10" EXPECT "PTO_BLOCKS='0x10'"
       RUN run ${EXAMPLE})

# --set NAME=VALUE (docs/symbols.md): refused before anything is compiled.
reject(set_missing_value EXPECT "--set needs NAME=VALUE" RUN run ${EXAMPLE} --set)
reject(set_no_equals EXPECT "--set 'scale' is not valid: it is not NAME=VALUE"
       RUN run ${EXAMPLE} --set scale)
reject(set_empty_name EXPECT "--set '=3' is not valid" "symbol name is empty"
       RUN run ${EXAMPLE} --set =3)
reject(set_bad_name EXPECT "--set '9lives=1' is not valid" "character 1 is not allowed"
       RUN run ${EXAMPLE} --set 9lives=1)
reject(set_long_name EXPECT "is longer than 63 bytes"
       RUN run ${EXAMPLE} --set xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=1)
reject(set_empty_value EXPECT "--set 'n=' is not valid: the value is empty"
       RUN run ${EXAMPLE} --set n=)
reject(set_u64_overflow EXPECT "--set 'n=18446744073709551616' is not valid"
       RUN run ${EXAMPLE} --set n=18446744073709551616)
reject(set_u64_negative EXPECT "--set 'n=-1' is not valid" RUN run ${EXAMPLE} --set n=-1)
reject(set_u64_hex EXPECT "--set 'n=0x10' is not valid" "hexadecimal"
       RUN run ${EXAMPLE} --set n=0x10)
reject(set_u64_leading_zero EXPECT "--set 'n=010' is not valid" RUN run ${EXAMPLE} --set n=010)
reject(set_f32_overflow EXPECT "--set 'x=1e39' is not valid: out of the f32 range"
       RUN run ${EXAMPLE} --set x=1e39)
reject(set_f32_garbage EXPECT "--set 'x=1.5ff' is not valid" RUN run ${EXAMPLE} --set x=1.5ff)
reject(set_f32_two_points EXPECT "--set 'x=1.2.3' is not valid: not a valid f32"
       RUN run ${EXAMPLE} --set x=1.2.3)
reject(set_f32_nan EXPECT "--set 'x=nan' is not valid" RUN run ${EXAMPLE} --set x=nan)
reject(set_array_unclosed EXPECT "--set 'a=[1,2' is not valid: an array must end with ']'"
       RUN run ${EXAMPLE} --set a=[1,2)
reject(set_array_empty_element EXPECT "--set 'a=[1,,2]' is not valid: an element is empty"
       RUN run ${EXAMPLE} --set a=[1,,2])
reject(set_array_trailing_comma EXPECT "--set 'a=[1,]' is not valid: an element is empty"
       RUN run ${EXAMPLE} --set a=[1,])
reject(set_array_overflow EXPECT "--set 'a=[2147483648]' is not valid: an element is out of the int32 range"
       RUN run ${EXAMPLE} --set a=[2147483648])
reject(set_array_underflow EXPECT "--set 'a=[-2147483649]' is not valid" "int32 range"
       RUN run ${EXAMPLE} --set a=[-2147483649])
reject(set_array_float EXPECT "--set 'a=[1.5]' is not valid" RUN run ${EXAMPLE} --set a=[1.5])
reject(set_array_spaces EXPECT "--set 'a=[1, 2]' is not valid" RUN run ${EXAMPLE} "--set=a=[1, 2]")
reject(set_on_info EXPECT "unknown option '--set'" RUN info --set n=1)
set(many "")
foreach(i RANGE 256)
  list(APPEND many --set s${i}=1)
endforeach()
reject(set_too_many EXPECT "--set 's256=1': more than 256 --set options" RUN run ${EXAMPLE} ${many})

if(failed)
  message(FATAL_ERROR "cli_hostile.cmake: failed:${failed}")
endif()
