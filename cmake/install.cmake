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
install(TARGETS lrsc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/lrs.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_SOURCE_DIR}/docs/man/lrsc.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

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
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lrs)
