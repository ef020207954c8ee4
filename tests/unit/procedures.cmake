# procedures: bench and procedure files, plans, and the run engine.
# test_procedures_fixture.c holds the balance and weight set both executables use.
pkg_check_modules(TESTPROC_SODIUM REQUIRED IMPORTED_TARGET libsodium)
cal_add_test(test_procedures
  SOURCES unit/test_procedures.c unit/test_procedures_fixture.c
  LIBS cal_procedures PkgConfig::TESTPROC_SODIUM
  LABELS unit)
cal_add_test(test_procedures_engine
  SOURCES unit/test_procedures_engine.c unit/test_procedures_fixture.c
  LIBS cal_procedures
  LABELS unit)
cal_add_test(test_pressure_run
  SOURCES unit/test_pressure_run.c helpers/null_transport.c
  LIBS cal_procedures PkgConfig::SQLITE
  LABELS unit)
cal_add_test(test_water_run
  SOURCES unit/test_water_run.c helpers/null_transport.c
  LIBS cal_procedures PkgConfig::SQLITE
  LABELS unit)
