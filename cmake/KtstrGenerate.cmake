# Runs `BIN --generate KIND [ARG]` into OUT (gzipped with GZIP=ON), failing
# the build on a non-zero exit or any stderr. Invoked with cmake -P by the
# custom commands of KtstrDocs.cmake.
foreach(var BIN KIND OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "KtstrGenerate.cmake: ${var} is not set")
  endif()
endforeach()
set(args --generate ${KIND})
if(DEFINED ARG)
  list(APPEND args ${ARG})
endif()
execute_process(COMMAND ${BIN} ${args}
  OUTPUT_FILE ${OUT}.tmp
  ERROR_VARIABLE err
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "ktstr --generate ${KIND} failed (${rc}): ${err}")
endif()
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
