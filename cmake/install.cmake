# The C++ SDK as a CMake package. `cmake --install build --prefix P` installs
#   P/include/herald/*.h                      the SDK's public headers
#   P/lib/libherald_*.a                       herald_sdk and the libraries of ours it links
#   P/lib/cmake/herald/heraldConfig.cmake     find_package(herald), imported targets herald::*
#   P/bin/herald                              the broker and CLI
# so another project writes
#   find_package(herald REQUIRED)
#   target_link_libraries(app PRIVATE herald::sdk)
# (examples/orders is such a project; `make example` builds it against build/install).
include(CMakePackageConfigHelpers)

set(HERALD_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/herald)

# herald_sdk and what it links among our targets, as herald::sdk, herald::broker, ...
set(HERALD_EXPORTED_TARGETS herald_sdk herald_broker herald_eventstore herald_storage herald_base
  herald_client)
foreach(target IN LISTS HERALD_EXPORTED_TARGETS)
  string(REPLACE "herald_" "" export_name ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
endforeach()

install(TARGETS ${HERALD_EXPORTED_TARGETS}
  EXPORT heraldTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  COMPONENT sdk)
install(DIRECTORY include/herald
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT sdk
  FILES_MATCHING PATTERN "*.h")
install(EXPORT heraldTargets
  NAMESPACE herald::
  FILE heraldTargets.cmake
  DESTINATION ${HERALD_INSTALL_CMAKEDIR}
  COMPONENT sdk)

configure_package_config_file(cmake/heraldConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/heraldConfig.cmake
  INSTALL_DESTINATION ${HERALD_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/heraldConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/heraldConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/heraldConfigVersion.cmake
  DESTINATION ${HERALD_INSTALL_CMAKEDIR}
  COMPONENT sdk)

install(TARGETS herald RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT broker)
