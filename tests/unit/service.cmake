# service: the verification service's pure parts, the daemon in-process on
# loopback, and the read-only database open it relies on.
cal_add_test(test_service SOURCES unit/test_service.c LIBS cal_service cal_db PkgConfig::SQLITE
             TIMEOUT 60)
