# drivers/: parsers, transports, drivers (one executable per file).
cal_add_test(test_mtsics_parser SOURCES unit/test_mtsics_parser.c LIBS cal_drivers)
cal_add_test(test_transport SOURCES unit/test_transport.c LIBS cal_drivers Threads::Threads)
cal_add_test(test_driver_mtsics SOURCES unit/test_driver_mtsics.c helpers/script_peer.c LIBS cal_drivers)
cal_add_test(test_pressure_parser SOURCES unit/test_pressure_parser.c LIBS cal_drivers)
cal_add_test(test_driver_pressure SOURCES unit/test_driver_pressure.c helpers/script_peer.c LIBS cal_drivers)
cal_add_test(test_settle SOURCES unit/test_settle.c helpers/null_transport.c LIBS cal_drivers m)
cal_add_test(test_modbus_map SOURCES unit/test_modbus_map.c LIBS cal_mbmap m)
