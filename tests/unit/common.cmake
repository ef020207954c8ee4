cal_add_test(test_common SOURCES unit/test_common.c LIBS cal_common)
