# stats: the counts a centre reports (db/stats.c, docs/statistics.md)
cal_add_test(test_stats SOURCES unit/test_stats.c LIBS cal_db)
