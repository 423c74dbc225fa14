# Folders of src/ depend only downward:
#   util <- core <- platform <- orchestration <- runtime <- tools <- frontends
# Front ends (src/frontends/<name>/) use the public API only: they may
# include their own folder's headers (frontends/...) and pto/..., nothing of
# the layers below.
# A file may include headers of its own folder or of a folder below it, and
# above the platform layer only the platform interface (platform/platform.h)
# of the platform folder. Fails, naming file and include, otherwise.
#   cmake -DSRC=<repo>/src -P layering.cmake
set(layers util core platform orchestration runtime tools frontends)
file(GLOB_RECURSE files RELATIVE ${SRC} ${SRC}/*.c ${SRC}/*.h)
set(bad "")
foreach(f ${files})
  string(REGEX MATCH "^[^/]+" from ${f})
  list(FIND layers ${from} lf)
  if(lf EQUAL -1)
    string(APPEND bad "  ${f}: folder '${from}' is not a layer\n")
    continue()
  endif()
  file(STRINGS ${SRC}/${f} incs REGEX "^#include \"[a-z_]+/")
  foreach(line ${incs})
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" inc "${line}")
    string(REGEX MATCH "^[^/]+" to ${inc})
    list(FIND layers ${to} lt)
    if(lt EQUAL -1)
      continue() # a public header (pto/...)
    endif()
    if(from STREQUAL "frontends" AND NOT to STREQUAL "frontends")
      string(APPEND bad "  ${f} includes ${inc}: a front end uses the public API (pto/...) only\n")
    elseif(lt GREATER lf)
      string(APPEND bad "  ${f} includes ${inc}: '${from}' is below '${to}'\n")
    elseif(to STREQUAL "platform" AND lf GREATER 2 AND NOT inc STREQUAL "platform/platform.h")
      string(APPEND bad "  ${f} includes ${inc}: above the platform layer only platform/platform.h may be included\n")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "upward or platform-internal includes:\n${bad}")
endif()
list(LENGTH files n)
message("layering: ${n} files, every include points down")
