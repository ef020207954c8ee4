# simulators
cal_add_test(test_sim_balance SOURCES unit/test_sim_balance.c LIBS cal_sim)
