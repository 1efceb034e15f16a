# Test tiers: every test is labelled `unit`, `fault` or `integration` so ctest -L picks a tier.
include(GoogleTest)

# herald_test(NAME LABEL SOURCES sources... LIBS libs... [PROPERTIES more ctest properties...])
function(herald_test name label)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;PROPERTIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  herald_warnings(${name})
  # The tests' own code at -O1 in Release: what they measure is the code under test (-O2), and
  # they compile in half the time.
  target_compile_options(${name} PRIVATE $<$<CONFIG:Release>:-O1>)
  gtest_discover_tests(${name}
    PROPERTIES LABELS ${label} TIMEOUT 240 ${ARG_PROPERTIES}
    DISCOVERY_TIMEOUT 60)
endfunction()
