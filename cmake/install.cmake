# Deployment: liblrs-runtime, and what `cmake --install` puts in place.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# liblrs-runtime: the optimizers and the loader of ahead-of-time schedules,
# for trainers that ship compiled schedules and do not link LLVM.
# Its objects are exactly those of runtime/ (lrs_runtime).
add_library(lrs-runtime SHARED $<TARGET_OBJECTS:lrs_runtime>)
# Linking lrs_runtime too brings its libraries (OpenMP, libdl, libm).
target_link_libraries(lrs-runtime PRIVATE lrs_runtime)
target_include_directories(lrs-runtime PUBLIC $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>
                           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(lrs-runtime PROPERTIES VERSION ${PROJECT_VERSION}
                      SOVERSION ${PROJECT_VERSION_MAJOR} EXPORT_NAME runtime)

install(TARGETS lrs lrs-runtime EXPORT lrsTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# liblrs loads its LLVM backend from its own directory.
install(TARGETS lrs-llvm LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# Installed binaries find the libraries beside them wherever the prefix is
# (a relative run path), so a prefix under /home or /tmp works without
# LD_LIBRARY_PATH.
file(RELATIVE_PATH LRS_BIN_TO_LIB "/x/${CMAKE_INSTALL_BINDIR}" "/x/${CMAKE_INSTALL_LIBDIR}")
set_target_properties(lrsc PROPERTIES INSTALL_RPATH "$ORIGIN/${LRS_BIN_TO_LIB}")
set_target_properties(lrs lrs-runtime lrs-llvm PROPERTIES INSTALL_RPATH "$ORIGIN")
install(TARGETS lrsc EXPORT lrsTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/lrs.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_SOURCE_DIR}/docs/man/lrsc.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# The docs lrsc(1) refers to, with their committed plots.
file(GLOB LRS_DOC_PAGES ${CMAKE_SOURCE_DIR}/docs/*.md)
file(GLOB LRS_DOC_PLOTS ${CMAKE_SOURCE_DIR}/docs/schedules/*.svg)
install(FILES ${LRS_DOC_PAGES} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${LRS_DOC_PLOTS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/schedules)

# The .pc files find the prefix from where they are installed.
file(RELATIVE_PATH LRS_PC_UP "/x/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/x")
foreach(pc lrs lrs-runtime)
  configure_file(${CMAKE_SOURCE_DIR}/cmake/${pc}.pc.in ${CMAKE_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

install(EXPORT lrsTargets NAMESPACE lrs:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lrs)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/lrsConfig.cmake.in
  ${CMAKE_BINARY_DIR}/lrsConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lrs)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/lrsConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/lrsConfig.cmake ${CMAKE_BINARY_DIR}/lrsConfigVersion.cmake
        ${CMAKE_SOURCE_DIR}/cmake/lrsCompile.cmake DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lrs)
