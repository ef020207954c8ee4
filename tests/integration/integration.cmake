# Integration tests: bash scripts that drive the calbench program against its
# simulators (tests/integration/*.sh, helpers in lib.sh). Every test_*
# function of a script is one ctest test, integration.SCRIPT.FUNCTION:
#
#     bash SCRIPT.sh $<TARGET_FILE:calbench> SOURCE_DIR test_FUNCTION
#
# (run a script by hand the same way; without a function name it runs all).
# They need bash, coreutils, grep, sed, awk and the sqlite3 shell.

find_program(CAL_BASH bash REQUIRED)
find_program(CAL_SQLITE3_SHELL sqlite3)
if(NOT CAL_SQLITE3_SHELL)
  message(WARNING "sqlite3 shell not found: the integration tests that inspect the database will fail (apt-get install sqlite3)")
endif()

set(CAL_IT_DIR ${CMAKE_CURRENT_LIST_DIR})
# Where the demo fixture leaves its database for the tests that read it.
set(CAL_IT_DEMO_DIR ${CMAKE_CURRENT_BINARY_DIR}/integration-demo)
set(CAL_IT_ENV
  "ASAN_OPTIONS=detect_leaks=1"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
  "CAL_IT_DEMO_DIR=${CAL_IT_DEMO_DIR}"
  # what a test keeps for people to look at (the verification page's screenshot)
  "CAL_IT_ARTIFACTS=${CMAKE_CURRENT_BINARY_DIR}/artifacts")

# script name -> per-test timeout (s); the slowest test of each takes < 15 s
set(CAL_IT_SCRIPTS demo sim run manual errors sim_pressure pressure register_pressure
    pressure_run modbus register_water water_run series_run sign serve flow_cal_run)
set(CAL_IT_TIMEOUT_demo 90)
set(CAL_IT_TIMEOUT_sim 60)
set(CAL_IT_TIMEOUT_run 60)
set(CAL_IT_TIMEOUT_manual 60)
set(CAL_IT_TIMEOUT_errors 60)
set(CAL_IT_TIMEOUT_sim_pressure 60)
set(CAL_IT_TIMEOUT_pressure 90)
set(CAL_IT_TIMEOUT_register_pressure 60)
set(CAL_IT_TIMEOUT_pressure_run 120)
set(CAL_IT_TIMEOUT_modbus 60)
set(CAL_IT_TIMEOUT_register_water 60)
set(CAL_IT_TIMEOUT_water_run 90)
set(CAL_IT_TIMEOUT_sign 60)
set(CAL_IT_TIMEOUT_serve 60)
set(CAL_IT_TIMEOUT_series_run 120)
set(CAL_IT_TIMEOUT_flow_cal_run 120)

# cert export: DCC (validated with xmllint) and JSON
list(APPEND CAL_IT_SCRIPTS cert_export)
set(CAL_IT_TIMEOUT_cert_export 60)

# cert pdf: the PDF read back with poppler and zbar
list(APPEND CAL_IT_SCRIPTS cert_pdf)
set(CAL_IT_TIMEOUT_cert_pdf 120)

# stats: counts, CSV and JSON read back with python3
list(APPEND CAL_IT_SCRIPTS stats)
set(CAL_IT_TIMEOUT_stats 90)

# due: intervals, owners, what is due; CSV and JSON read back with python3
list(APPEND CAL_IT_SCRIPTS due)
set(CAL_IT_TIMEOUT_due 90)
# import: a register brought in from CSV, errors, mapping
list(APPEND CAL_IT_SCRIPTS import)
set(CAL_IT_TIMEOUT_import 90)

foreach(script IN LISTS CAL_IT_SCRIPTS)
  set(path ${CAL_IT_DIR}/${script}.sh)
  # a new test function re-runs cmake
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${path} ${CAL_IT_DIR}/lib.sh)
  file(STRINGS ${path} fn_lines REGEX "^test_[a-z0-9_]+\\(\\) *\\{")
  foreach(line IN LISTS fn_lines)
    string(REGEX REPLACE "^(test_[a-z0-9_]+)\\(.*$" "\\1" fn "${line}")
    string(REGEX REPLACE "^test_" "" short "${fn}")
    set(name integration.${script}.${short})
    add_test(NAME ${name}
      COMMAND ${CAL_BASH} ${path} $<TARGET_FILE:calbench> ${CAL_SOURCE_DIR} ${fn})
    set_tests_properties(${name} PROPERTIES
      LABELS integration
      TIMEOUT ${CAL_IT_TIMEOUT_${script}}
      ENVIRONMENT "${CAL_IT_ENV}")
    if(script STREQUAL "demo")
      if(fn STREQUAL "test_demo")
        set_tests_properties(${name} PROPERTIES FIXTURES_SETUP calbench_demo_db)
      else()
        set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED calbench_demo_db)
      endif()
    endif()
  endforeach()
endforeach()
