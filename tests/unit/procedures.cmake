# tests for this module are added here with cal_add_test()
