# Installs the build tree into a fresh prefix and builds a small program
# against it twice: with pkg-config (pto.pc) and with find_package(pto).
# Each must compile, link and print "consumer: 42.0"; the first also has
# the installed library compile a kernel from source, which must read the
# installed headers (checked in the compile cache). Run by CTest:
#   cmake -DBUILD=<build dir> -DSRC=<tests/data/consumer> -DWORK=<scratch> -P this
file(REMOVE_RECURSE ${WORK})
set(PREFIX "${WORK}/prefix dir")
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix "${PREFIX}"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "install into ${PREFIX} failed")
endif()
file(GLOB_RECURSE pcs "${PREFIX}/*/pto.pc")
list(GET pcs 0 pc)
get_filename_component(pcdir ${pc} DIRECTORY)
file(READ ${pc} pc_text)
if(pc_text MATCHES "/usr/local")
  message(FATAL_ERROR "pto.pc names /usr/local:\n${pc_text}")
endif()
get_filename_component(libdir ${pcdir} DIRECTORY)

# pkg-config
set(ENV{PKG_CONFIG_PATH} ${pcdir})
execute_process(COMMAND pkg-config --cflags --libs pto OUTPUT_VARIABLE flags
                RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(rc)
  message(FATAL_ERROR "pkg-config --cflags --libs pto failed")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND cc ${SRC}/consumer.c ${flags} "-Wl,-rpath,${libdir}"
                        -o ${WORK}/consumer_pc RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "compiling with pkg-config flags failed: ${flags}")
endif()
set(ENV{PTO_CACHE_DIR} ${WORK}/kcache)
execute_process(COMMAND ${WORK}/consumer_pc ${SRC}/kernel.c OUTPUT_VARIABLE out
                ERROR_VARIABLE errout RESULT_VARIABLE rc)
if(rc OR NOT out MATCHES "consumer: 42.0")
  message(FATAL_ERROR "pkg-config consumer: rc=${rc} out=${out} ${errout}")
endif()
file(GLOB_RECURSE cached "${WORK}/kcache/*")
set(read_installed 0)
foreach(f ${cached})
  if(NOT f MATCHES "\\.so$")
    file(READ ${f} text)
    string(FIND "${text}" "${PREFIX}/include/pto/kernel.h" at)
    if(at GREATER -1)
      set(read_installed 1)
    endif()
  endif()
endforeach()
if(NOT read_installed)
  message(FATAL_ERROR "the kernel compile did not read the installed headers")
endif()
message(STATUS "pkg-config: ${out}")

# find_package(pto)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/cmake_build
                        "-DCMAKE_PREFIX_PATH=${PREFIX}" "-DCMAKE_BUILD_RPATH=${libdir}"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/cmake_build RESULT_VARIABLE rc
                  OUTPUT_QUIET)
endif()
if(rc)
  message(FATAL_ERROR "find_package(pto) consumer did not configure/build")
endif()
execute_process(COMMAND ${WORK}/cmake_build/consumer ${SRC}/kernel.c OUTPUT_VARIABLE out
                RESULT_VARIABLE rc)
if(rc OR NOT out MATCHES "consumer: 42.0")
  message(FATAL_ERROR "find_package consumer: rc=${rc} out=${out}")
endif()
message(STATUS "find_package: ${out}")
