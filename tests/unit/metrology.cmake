# tests for this module are added here with cal_add_test()
cal_add_test(test_metrology SOURCES unit/test_metrology.c LIBS cal_metrology)
cal_add_test(test_metrology_pressure SOURCES unit/test_metrology_pressure.c LIBS cal_metrology)
cal_add_test(test_metrology_flow SOURCES unit/test_metrology_flow.c LIBS cal_metrology)
