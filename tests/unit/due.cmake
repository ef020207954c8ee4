# due: intervals, owners and what is due (db/due.c, docs/due.md)
cal_add_test(test_due SOURCES unit/test_due.c LIBS cal_db)
