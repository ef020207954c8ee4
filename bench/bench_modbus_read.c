/*
 * bench_modbus_read: flow-meter reads through the modbus-flow driver
 * (cal_dev_read: libmodbus FC 03 of the map's flow registers, our decoder,
 * unit conversion, the retry arming) against a bare libmodbus loop reading
 * the same two registers from the same simulated meter (Modbus TCP on
 * 127.0.0.1), in alternating rounds, one connection each. The meter's own
 * time per request is in both figures: the ratio is what the driver adds.
 * Issue 4 asks for the driver at 90 % or more of the bare loop.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <modbus.h>

#include "cal/driver.h"
#include "cal/error.h"
#include "cal/modbus_map.h"
#include "cal/sim_flow.h"
#include "cal/transport.h"

#include "bench_util.h"

static const char usage[] = "Flow-meter reads over Modbus TCP: the modbus-flow driver vs a bare "
			    "libmodbus loop, against the flow simulator.\n";

static double run_driver(int port, double seconds, long *count)
{
	struct cal_dev_opts opts = { .unit_id = 1, .map = cal_mb_preset_find("siemens-mag6000") };
	struct cal_port_cfg cfg;
	struct cal_device *dev = NULL;
	struct cal_reading rd;
	char spec[64];
	double t0, t;
	long n = 0;

	snprintf(spec, sizeof(spec), "modbus-tcp:127.0.0.1:%d", port);
	if (cal_port_cfg_parse(&cfg, spec, NULL))
		bench_die("%s: %s", spec, cal_error_last());
	if (cal_dev_open_opts(&dev, "modbus-flow", &cfg, "ref1", &opts))
		bench_die("open %s: %s", spec, cal_error_last());
	t0 = bench_now();
	do {
		if (cal_dev_read(&rd, dev, CAL_READ_NOW))
			bench_die("read: %s", cal_error_last());
		if (rd.unit != CAL_UNIT_M3_S || !(rd.value > 0))
			bench_die("read %g %s (\"%s\")", rd.value, cal_unit_symbol(rd.unit),
				  rd.raw);
		n++;
		t = bench_now();
	} while (t - t0 < seconds);
	cal_dev_close(dev);
	*count += n;
	return (double)n / (t - t0);
}

/* The baseline: modbus_read_registers of the same two registers, nothing else. */
static double run_bare(int port, double seconds, long *count)
{
	modbus_t *ctx = modbus_new_tcp("127.0.0.1", port);
	uint16_t regs[2];
	double t0, t;
	long n = 0;

	if (!ctx || modbus_set_slave(ctx, 1) || modbus_connect(ctx))
		bench_die("bare libmodbus: %s", modbus_strerror(errno));
	t0 = bench_now();
	do {
		if (modbus_read_registers(ctx, 3002, 2, regs) != 2)
			bench_die("bare read: %s", modbus_strerror(errno));
		n++;
		t = bench_now();
	} while (t - t0 < seconds);
	modbus_close(ctx);
	modbus_free(ctx);
	*count += n;
	return (double)n / (t - t0);
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .seconds = 2.0, .rounds = 3 };
	struct bench_row rows[2] = {
		{ .name = "cal_dev_read (modbus-flow, tcp)", .note = "FC 03, decode, unit" },
		{ .name = "bare libmodbus (baseline)", .note = "modbus_read_registers" },
	};
	struct cal_sim_flow_cfg cfg;
	struct cal_sim_flow *sim = NULL;
	long n_drv = 0, n_bare = 0;
	int port = 0;

	bench_parse_args(&o, argc, argv, usage);
	cal_sim_flow_cfg_default(&cfg);
	cfg.tau_ms = 1;
	if (cal_sim_flow_new(&sim, &cfg) || cal_sim_flow_listen_tcp(sim, "127.0.0.1", 0, &port) ||
	    cal_sim_flow_start(sim))
		bench_die("flow simulator: %s", cal_error_last());
	printf("bench_modbus_read: flow simulator (siemens-mag6000) on modbus-tcp:127.0.0.1:%d, "
	       "%d round(s) of %.1f s each\n",
	       port, o.rounds, o.seconds);
	for (int i = 0; i < o.rounds; i++) {
		bench_row_push(&rows[0], run_driver(port, o.seconds, &n_drv));
		bench_row_push(&rows[1], run_bare(port, o.seconds, &n_bare));
	}
	bench_print_table("flow reads", "reads/s", rows, 2, 1);
	printf("reads: %ld (driver), %ld (bare)\n", n_drv, n_bare);
	cal_sim_flow_free(sim);
	return 0;
}
