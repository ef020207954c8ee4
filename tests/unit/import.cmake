# import: a register brought in (db/import.c, common/csv.c, docs/import.md)
cal_add_test(test_import SOURCES unit/test_import.c LIBS cal_db)
