# Test tiers: every test is labelled `unit`, `fault` or `integration` so ctest -L picks a tier.
include(GoogleTest)

# herald_test(NAME LABEL SOURCES sources... LIBS libs... [PROPERTIES more ctest properties...])
function(herald_test name label)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;PROPERTIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  herald_warnings(${name})
  gtest_discover_tests(${name}
    PROPERTIES LABELS ${label} TIMEOUT 240 ${ARG_PROPERTIES}
    DISCOVERY_TIMEOUT 60)
endfunction()
