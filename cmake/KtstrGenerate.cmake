# Runs `BIN --generate KIND [ARG]` and writes OUT (gzipped with GZIP=ON),
# failing the build on a non-zero exit or any stderr. Invoked with cmake -P
# by the custom commands of KtstrDocs.cmake.
#
# The binary prints named blocks, each after a line "@KTSTR_BLOCK NAME@".
# OUT is TEMPLATE (a source in man/ or completions/) with each of its lines
# `.\" @KTSTR_GENERATED NAME@` (roff) or `# @KTSTR_GENERATED NAME@` (shell)
# replaced by block NAME. A block the template does not use, or a
# placeholder without a block, fails the build: the two must agree.
foreach(var BIN KIND OUT TEMPLATE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "KtstrGenerate.cmake: ${var} is not set")
  endif()
endforeach()
set(args --generate ${KIND})
if(DEFINED ARG)
  list(APPEND args ${ARG})
endif()
execute_process(COMMAND ${BIN} ${args}
  OUTPUT_VARIABLE data
  ERROR_VARIABLE err
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
  message(FATAL_ERROR "ktstr --generate ${KIND} failed (${rc}): ${err}")
endif()

# ktstr_block(NAME VAR): block NAME of `data` into VAR. The text is only
# ever handled quoted, so its ';' never splits it into a list.
function(ktstr_block name var)
  set(marker "@KTSTR_BLOCK ${name}@\n")
  string(FIND "${data}" "${marker}" start)
  if(start EQUAL -1)
    message(FATAL_ERROR "${TEMPLATE}: ktstr --generate ${KIND} has no block '${name}'")
  endif()
  string(LENGTH "${marker}" length)
  math(EXPR start "${start} + ${length}")
  string(SUBSTRING "${data}" ${start} -1 body)
  string(FIND "${body}" "@KTSTR_BLOCK " end)
  if(NOT end EQUAL -1)
    string(SUBSTRING "${body}" 0 ${end} body)
  endif()
  set(${var} "${body}" PARENT_SCOPE)
endfunction()

file(READ ${TEMPLATE} text)
string(REGEX MATCHALL "@KTSTR_BLOCK [a-z-]+@" blocks "${data}")
foreach(marker IN LISTS blocks)
  string(REGEX REPLACE "@KTSTR_BLOCK ([a-z-]+)@" "\\1" name "${marker}")
  ktstr_block(${name} body)
  set(placeholder_found FALSE)
  foreach(prefix "# " ".\\\" ")
    set(placeholder "${prefix}@KTSTR_GENERATED ${name}@\n")
    string(FIND "${text}" "${placeholder}" at)
    if(NOT at EQUAL -1)
      string(REPLACE "${placeholder}" "${body}" text "${text}")
      set(placeholder_found TRUE)
    endif()
  endforeach()
  if(NOT placeholder_found)
    message(FATAL_ERROR "${TEMPLATE}: no line '@KTSTR_GENERATED ${name}@' for ktstr --generate ${KIND}'s block")
  endif()
endforeach()
string(REGEX MATCH "@KTSTR_GENERATED [a-z-]+@" left "${text}")
if(left)
  message(FATAL_ERROR "${TEMPLATE}: ktstr --generate ${KIND} gives nothing for ${left}")
endif()

file(WRITE ${OUT}.tmp "${text}")
if(GZIP)
  # -n: no name or time stamp in the header, so the output is reproducible.
  execute_process(COMMAND gzip -9 -n -c INPUT_FILE ${OUT}.tmp OUTPUT_FILE ${OUT}
    RESULT_VARIABLE rc)
  file(REMOVE ${OUT}.tmp)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${OUT} failed")
  endif()
else()
  file(RENAME ${OUT}.tmp ${OUT})
endif()
