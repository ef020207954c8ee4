# documents: the machine-readable exports (DCC, JSON) and their output buffer
cal_add_test(test_dcc SOURCES unit/test_dcc.c LIBS cal_documents)
