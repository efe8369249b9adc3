# Man pages and shell completions, made at build time into
# ${CMAKE_BINARY_DIR}/share from two halves: the hand-written sources in man/
# and completions/, and what the freshly built binary prints from its option
# tables (`ktstr --generate KIND`), which KtstrGenerate.cmake puts in place of
# the sources' KTSTR_GENERATED lines. Nothing generated is committed. Then the
# install rules for everything, and the Debian package.
#
# Expects KTSTR_APPLETS and the `ktstr` target.

option(KTSTR_DOCS "Generate man pages and shell completions (runs the built binary)" ON)
option(KTSTR_COMPRESS_MAN "Install gzipped man pages" OFF)

set(KTSTR_SHARE_DIR ${CMAKE_BINARY_DIR}/share)
set(KTSTR_BASH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
set(KTSTR_ZSH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
set(KTSTR_FISH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

# ktstr_generate(KIND TEMPLATE OUTPUT [ARG file] [DEPENDS files...] [GZIP])
function(ktstr_generate kind template output)
  cmake_parse_arguments(PARSE_ARGV 3 gen "GZIP" "ARG" "DEPENDS")
  if(NOT EXISTS ${template})
    message(FATAL_ERROR "${template} is missing: write the hand-written part of ${output}")
  endif()
  set(extra)
  if(gen_ARG)
    list(APPEND extra -DARG=${gen_ARG})
  endif()
  if(gen_GZIP)
    list(APPEND extra -DGZIP=ON)
  endif()
  get_filename_component(dir ${output} DIRECTORY)
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:ktstr> -DKIND=${kind} -DOUT=${output}
            -DTEMPLATE=${template} ${extra} -P ${PROJECT_SOURCE_DIR}/cmake/KtstrGenerate.cmake
    DEPENDS ktstr ${template} ${PROJECT_SOURCE_DIR}/cmake/KtstrGenerate.cmake ${gen_DEPENDS}
    COMMENT "Generating ${output}"
    VERBATIM)
  set_property(GLOBAL APPEND PROPERTY KTSTR_GENERATED ${output})
endfunction()

if(KTSTR_DOCS)
  set(gz "")
  set(gzip_flag "")
  if(KTSTR_COMPRESS_MAN)
    set(gz ".gz")
    set(gzip_flag GZIP)
  endif()
  set(man1)
  set(pages ktstr)
  foreach(applet IN LISTS KTSTR_APPLETS)
    list(APPEND pages ktstr-${applet})
  endforeach()
  foreach(page IN LISTS pages)
    ktstr_generate(man:${page} ${PROJECT_SOURCE_DIR}/man/${page}.1.in
      ${KTSTR_SHARE_DIR}/man/man1/${page}.1${gz} ${gzip_flag})
    list(APPEND man1 ${KTSTR_SHARE_DIR}/man/man1/${page}.1${gz})
  endforeach()
  set(man5 ${KTSTR_SHARE_DIR}/man/man5/ktstr.toml.5${gz})
  ktstr_generate(man:ktstr.toml ${PROJECT_SOURCE_DIR}/man/ktstr.toml.5.in ${man5} ${gzip_flag}
    ARG ${PROJECT_SOURCE_DIR}/ktstr.toml.example
    DEPENDS ${PROJECT_SOURCE_DIR}/ktstr.toml.example)
  set(bash_file ${KTSTR_SHARE_DIR}/bash-completion/completions/ktstr)
  set(zsh_file ${KTSTR_SHARE_DIR}/zsh/vendor-completions/_ktstr)
  set(fish_file ${KTSTR_SHARE_DIR}/fish/vendor_completions.d/ktstr.fish)
  foreach(shell bash zsh fish)
    ktstr_generate(${shell} ${PROJECT_SOURCE_DIR}/completions/ktstr.${shell} ${${shell}_file})
  endforeach()
  get_property(generated GLOBAL PROPERTY KTSTR_GENERATED)
  add_custom_target(ktstr_docs ALL DEPENDS ${generated})

  install(FILES ${man1} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES ${man5} DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
  install(FILES ${bash_file} DESTINATION ${KTSTR_BASH_COMPLETION_DIR})
  install(FILES ${zsh_file} DESTINATION ${KTSTR_ZSH_COMPLETION_DIR})
  install(FILES ${fish_file} DESTINATION ${KTSTR_FISH_COMPLETION_DIR})
endif()

# ktstr_install_link(DIR LINK TARGET): a relative symlink DIR/LINK -> TARGET
# under $DESTDIR and the install prefix, recorded in install_manifest.txt.
function(ktstr_install_link dir link target)
  install(CODE "
    set(link \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${dir}/${link}\")
    message(STATUS \"Installing: \${link} -> ${target}\")
    file(MAKE_DIRECTORY \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${dir}\")
    file(CREATE_LINK \"${target}\" \"\${link}\" SYMBOLIC)
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${link}\")")
endfunction()

install(TARGETS ktstr RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(applet IN LISTS KTSTR_APPLETS)
  ktstr_install_link(${CMAKE_INSTALL_BINDIR} ktstr-${applet} ktstr)
  # Plain names (acquire, locks, ...) are generic: only on request.
  if(KTSTR_INSTALL_PLAIN_LINKS)
    ktstr_install_link(${CMAKE_INSTALL_BINDIR} ${applet} ktstr)
  endif()
  if(KTSTR_DOCS)
    # bash-completion and fish load a completion by the command's name.
    ktstr_install_link(${KTSTR_BASH_COMPLETION_DIR} ktstr-${applet} ktstr)
    ktstr_install_link(${KTSTR_FISH_COMPLETION_DIR} ktstr-${applet}.fish ktstr.fish)
  endif()
endforeach()
install(FILES ktstr.toml.example DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The Debian package: `cpack -G DEB` in the build directory.
set(KTSTR_PACKAGE_MAINTAINER "ktstr maintainers <ktstr@localhost>"
  CACHE STRING "Maintainer field of the Debian package")
set(CPACK_PACKAGE_NAME ktstr)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${KTSTR_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "reserve and inspect the flock(2) locks of Linux scheduler test hosts")
# Debian wants the long description wrapped; CPack indents each line.
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "ktstr takes and shows the advisory flock(2) lock files that scheduler"
  "test harnesses use to reserve CPUs, last-level caches and cache entries"
  "on a shared host. Its lock files and modes are those of the Rust ktstr"
  "harness, so the two exclude each other."
  "."
  "Applets: acquire (take locks, then run a command), locks (list every"
  "lock and its holders), holders (who holds a file), needle (the"
  "/proc/locks key of a path), fscheck (whether flock is reliable on a"
  "filesystem).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${KTSTR_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/build[^/]*/" "/\\\\.git/")
include(CPack)
