# db
# tests for this module are added here with cal_add_test()
cal_add_test(test_db SOURCES unit/test_db.c unit/test_db_proc.c LIBS cal_db)
cal_add_test(test_db_v3 SOURCES unit/test_db_v3.c LIBS cal_db)
