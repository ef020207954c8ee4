# simulators
cal_add_test(test_sim_balance SOURCES unit/test_sim_balance.c helpers/line_client.c LIBS cal_sim)
cal_add_test(test_sim_pressure SOURCES unit/test_sim_pressure.c helpers/line_client.c LIBS cal_sim)
cal_add_test(test_sim_flow SOURCES unit/test_sim_flow.c LIBS cal_sim cal_mbmap)
