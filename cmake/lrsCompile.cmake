# lrs_compile_schedules(TARGET FILE.lrs... [PREFIX P] [DEFINES NAME=EXPR...])
#
# Compile .lrs files ahead of time with lrsc when TARGET is built: for each
# FILE.lrs, `lrsc compile -c` writes FILE.o (linked into TARGET) and FILE.h
# (declaring PREFIX_NAME and PREFIX_NAME_range for each schedule NAME) in
# the current binary directory, which is added to TARGET's include path.
# Each file is recompiled when it changes. PREFIX defaults to lrs_; the
# prefix of a second file must differ from the first's.
function(lrs_compile_schedules target)
  cmake_parse_arguments(LRS "" "PREFIX" "DEFINES" ${ARGN})
  if(NOT LRS_PREFIX)
    set(LRS_PREFIX lrs_)
  endif()
  set(defines)
  foreach(d ${LRS_DEFINES})
    list(APPEND defines -D ${d})
  endforeach()
  foreach(src ${LRS_UNPARSED_ARGUMENTS})
    get_filename_component(abs ${src} ABSOLUTE)
    get_filename_component(name ${src} NAME_WE)
    set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.o)
    set(hdr ${CMAKE_CURRENT_BINARY_DIR}/${name}.h)
    add_custom_command(
      OUTPUT ${obj} ${hdr}
      COMMAND lrs::lrsc compile -c ${abs} -o ${obj} --header ${hdr} --prefix ${LRS_PREFIX} ${defines}
      DEPENDS ${abs} lrs::lrsc
      COMMENT "Compiling schedules ${src}"
      VERBATIM)
    target_sources(${target} PRIVATE ${obj} ${hdr})
  endforeach()
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_BINARY_DIR})
  target_link_libraries(${target} PRIVATE m)
endfunction()
