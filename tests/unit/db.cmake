# db
# tests for this module are added here with cal_add_test()
cal_add_test(test_db SOURCES unit/test_db.c unit/test_db_proc.c LIBS cal_db)
pkg_check_modules(TESTDB_SODIUM REQUIRED IMPORTED_TARGET libsodium)
# v5 signs documents: the test makes its key pair with libsodium
cal_add_test(test_db_v3 SOURCES unit/test_db_v3.c LIBS cal_db PkgConfig::TESTDB_SODIUM)
