/*
 * Instrument access from a bench file: ports, bench check, read, and the
 * pressure controller's setpoint and vent.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cli.h"

int cmd_ports(struct cli *cli, int argc, char **argv)
{
	bool json = false;
	const struct cli_opt opts[] = { { "json", false, NULL, &json },
					{ NULL, false, NULL, NULL } };
	struct cal_port_info *p = NULL;
	const char *pos[1];
	size_t n = 0;
	int npos, rc, err;

	rc = cli_parse(argc, argv, 1, opts, pos, 0, &npos, "ports");
	if (rc)
		return rc;
	err = cal_ports_list(&p, &n);
	if (err)
		return cli_fail(err, "ports");
	if (json)
		fputs("[", stdout);
	for (size_t i = 0; i < n; i++) {
		if (json) {
			fputs(i ? ",\n {\"name\": " : "{\"name\": ", stdout);
			cli_json_str(stdout, p[i].name);
			fputs(", \"description\": ", stdout);
			cli_json_str(stdout, p[i].description);
			fputs(", \"transport\": ", stdout);
			cli_json_str(stdout, p[i].transport);
			if (p[i].usb_vid >= 0)
				printf(", \"usb_vid\": \"%04x\", \"usb_pid\": \"%04x\"",
				       p[i].usb_vid, p[i].usb_pid);
			fputs("}", stdout);
			continue;
		}
		if (p[i].usb_vid >= 0)
			printf("%-20s %-32s usb %04x:%04x\n", p[i].name, p[i].description,
			       p[i].usb_vid, p[i].usb_pid);
		else
			printf("%-20s %-32s %s\n", p[i].name, p[i].description, p[i].transport);
	}
	if (json)
		fputs("]\n", stdout);
	else if (!n)
		fprintf(stderr, "calbench: no serial ports found (pseudo-terminals and tcp: "
				"ports are not listed)\n");
	free(p);
	return CLI_OK;
}

static void print_reading(const struct cal_reading *rd)
{
	char v[48];

	cal_num_format(v, sizeof(v), rd->value, rd->decimals);
	if (rd->flags & CAL_RD_OVERLOAD)
		printf("overload");
	else if (rd->flags & CAL_RD_UNDERLOAD)
		printf("underload");
	else
		printf("%s %s %s", v, cal_unit_symbol(rd->unit),
		       (rd->flags & CAL_RD_STABLE) ? "stable" : "not stable");
}

int cmd_bench(struct cli *cli, int argc, char **argv)
{
	const char *bench_path = NULL;
	const struct cli_opt opts[] = { { "bench", true, &bench_path, NULL },
					{ NULL, false, NULL, NULL } };
	const char *pos[1];
	struct cal_bench *b = NULL;
	int npos, rc, err, bad = 0;

	rc = cli_parse(argc, argv, 1, opts, pos, 1, &npos, "bench");
	if (rc)
		return rc;
	if (npos != 1 || strcmp(pos[0], "check") != 0)
		return cli_usage("bench", "bench: expected 'check'");
	if (!bench_path)
		return cli_usage("bench", "bench check: --bench FILE is required");
	err = cal_bench_load(&b, bench_path);
	if (err)
		return cli_fail(err, NULL);
	for (size_t i = 0; i < b->n; i++) {
		const struct cal_bench_instr *in = &b->instr[i];
		struct cal_device *dev = NULL;
		struct cal_dev_info info;
		struct cal_reading rd;
		char where[300];

		cal_port_cfg_describe(where, sizeof(where), &in->port);
		printf("%-10s %-10s %-28s ", in->id, in->driver, where);
		memset(&info, 0, sizeof(info));
		err = cal_bench_open(&dev, in);
		if (!err) {
			err = cal_dev_identify(&info, dev);
			if (err == CAL_ERR_UNSUPPORTED)
				err = CAL_OK;
		}
		if (!err)
			err = cal_dev_read(&rd, dev, CAL_READ_NOW);
		if (err == CAL_ERR_RANGE)
			err = CAL_OK;
		if (err) {
			printf("FAILED: %s\n",
			       cal_error_last()[0] ? cal_error_last() : cal_strerror(err));
			bad++;
		} else {
			printf("ok  model '%s' serial '%s'  ", info.model, info.serial);
			print_reading(&rd);
			putchar('\n');
		}
		fflush(stdout);
		cal_dev_close(dev);
	}
	if (bad)
		cli_err("bench %s: %d of %zu instrument(s) did not answer", b->name, bad, b->n);
	cal_bench_free(b);
	return bad ? CLI_ERROR : CLI_OK;
}

static void reading_json(const char *id, const struct cal_reading *rd);

static void print_reading_json(const char *id, const struct cal_reading *rd)
{
	reading_json(id, rd);
	fputs("\n", stdout);
}

/* The reading as one JSON object, without a line end. */
static void reading_json(const char *id, const struct cal_reading *rd)
{
	/* overload/underload: no value, not a zero */
	bool value = !(rd->flags & (CAL_RD_OVERLOAD | CAL_RD_UNDERLOAD));

	fputs("{\"instrument\": ", stdout);
	cli_json_str(stdout, id);
	fputs(", \"value\": ", stdout);
	if (value)
		cli_json_num(stdout, rd->value, rd->decimals);
	else
		fputs("null", stdout);
	fputs(", \"unit\": ", stdout);
	if (value || rd->unit)
		cli_json_str(stdout, cal_unit_symbol(rd->unit));
	else
		fputs("null", stdout);
	printf(", \"stable\": %s, \"decimals\": %d, \"value_si\": ",
	       (rd->flags & CAL_RD_STABLE) ? "true" : "false", rd->decimals);
	if (value)
		cli_json_num(stdout, rd->value_si, -1);
	else
		fputs("null", stdout);
	printf(", \"unit_si\": \"%s\", \"overload\": %s, \"underload\": %s, \"raw\": ",
	       cal_quantity_si_symbol(cal_unit_quantity(rd->unit)),
	       (rd->flags & CAL_RD_OVERLOAD) ? "true" : "false",
	       (rd->flags & CAL_RD_UNDERLOAD) ? "true" : "false");
	cli_json_str(stdout, rd->raw);
	fputs("}", stdout);
}

/* Progress callback: non-zero once Ctrl-C (or SIGTERM) was received. */
static int stop_requested(const struct cal_reading *rd, void *payload)
{
	const struct cli *cli = payload;

	(void)rd;
	return cli && cli->stop_flag && *cli->stop_flag;
}

int cmd_read(struct cli *cli, int argc, char **argv)
{
	const char *bench_path = NULL, *timeout = NULL, *quantity = NULL;
	bool json = false, now = false;
	const struct cli_opt opts[] = {
		{ "bench", true, &bench_path, NULL },  { "timeout", true, &timeout, NULL },
		{ "json", false, NULL, &json },	       { "now", false, NULL, &now },
		{ "quantity", true, &quantity, NULL }, { NULL, false, NULL, NULL },
	};
	const char *pos[1];
	struct cal_bench *b = NULL;
	const struct cal_bench_instr *in;
	struct cal_device *dev = NULL;
	struct cal_reading rd;
	double t_s = 10;
	int npos, rc, err;

	rc = cli_parse(argc, argv, 1, opts, pos, 1, &npos, "read");
	if (rc)
		return rc;
	if (!bench_path || npos != 1)
		return cli_usage("read", "read: expected --bench FILE and an instrument id");
	if (timeout && (cal_num_parse_str(&t_s, NULL, timeout) || !(t_s > 0) || t_s > 3600))
		return cli_usage("read",
				 "read: --timeout '%s' is not a number of seconds (0..3600]",
				 timeout);
	err = cal_bench_load(&b, bench_path);
	if (err)
		return cli_fail(err, NULL);
	in = cal_bench_find(b, pos[0]);
	if (!in) {
		cli_err("read: %s: no instrument '%s' in bench '%s'", bench_path, pos[0], b->name);
		cal_bench_free(b);
		return CLI_ERROR;
	}
	err = cal_bench_open(&dev, in);
	memset(&rd, 0, sizeof(rd));
	if (!err) {
		if (quantity) /* a meter's flow, total, ...: one value, no stability to wait for */
			err = cal_dev_read_quantity(&rd, dev, quantity);
		else if (now)
			err = cal_dev_read(&rd, dev, CAL_READ_NOW);
		else
			err = cal_dev_read_stable(&rd, dev, NULL, (int)(t_s * 1000), stop_requested,
						  cli);
	}
	rc = CLI_OK;
	if (err == CAL_ERR_UNSTABLE || err == CAL_ERR_RANGE || !err) {
		if (json)
			print_reading_json(in->id, &rd);
		else {
			printf("%s: ", in->id);
			print_reading(&rd);
			putchar('\n');
		}
		if (err == CAL_ERR_UNSTABLE) {
			cli_err("read: %s: no stable reading within %g s (last reading shown)",
				in->id, t_s);
			rc = CLI_UNSTABLE;
		} else if (err == CAL_ERR_RANGE) {
			cli_err("read: %s", cal_error_last());
			rc = CLI_ERROR;
		}
	} else if (err == CAL_ERR_INTERRUPTED) {
		cli_err("read: %s: stopped by the operator", in->id);
		rc = CLI_INTERRUPTED;
	} else {
		rc = cli_fail(err, NULL);
	}
	cal_dev_close(dev);
	cal_bench_free(b);
	return rc;
}

/* Open instrument @id of the bench file; messages name the file and id. */
static int open_bench_dev(struct cal_device **dev, struct cal_bench **b, const char *bench_path,
			  const char *id, const char *cmd)
{
	const struct cal_bench_instr *in;
	int err;

	*dev = NULL;
	err = cal_bench_load(b, bench_path);
	if (err)
		return cli_fail(err, NULL);
	in = cal_bench_find(*b, id);
	if (!in) {
		cli_err("%s: %s: no instrument '%s' in bench '%s'", cmd, bench_path, id,
			(*b)->name);
		return CLI_ERROR;
	}
	err = cal_bench_open(dev, in);
	return err ? cli_fail(err, NULL) : CLI_OK;
}

/* A positive number of an option, or a usage error naming it. */
static int opt_num(double *out, const char *text, const char *name, double max, const char *cmd)
{
	if (!text)
		return CLI_OK;
	if (cal_num_parse_str(out, NULL, text) || !(*out >= 0) || *out > max)
		return cli_usage(cmd, "%s: --%s '%s' is not a number in [0, %g]", cmd, name, text,
				 max);
	return CLI_OK;
}

int cmd_setpoint(struct cli *cli, int argc, char **argv)
{
	const char *bench_path = NULL, *hold = NULL, *rate = NULL, *band = NULL, *timeout = NULL;
	bool json = false, no_flag = false;
	const struct cli_opt opts[] = {
		{ "bench", true, &bench_path, NULL }, { "hold", true, &hold, NULL },
		{ "max-rate", true, &rate, NULL },    { "band", true, &band, NULL },
		{ "timeout", true, &timeout, NULL },  { "json", false, NULL, &json },
		{ "no-flag", false, NULL, &no_flag }, { NULL, false, NULL, NULL },
	};
	const char *pos[3];
	struct cal_bench *b = NULL;
	struct cal_device *dev = NULL;
	struct cal_settle_result *res = NULL;
	struct cal_settle_rule rule = { 0 };
	double value, f, hold_s = 5, rate_v = -1, band_v = 0, timeout_s = 120;
	char num[32];
	enum cal_unit unit;
	int npos, rc, err;

	rc = cli_parse(argc, argv, 1, opts, pos, 3, &npos, "setpoint");
	if (rc)
		return rc;
	/* "6 bar" or "6bar" */
	if (npos == 2) {
		size_t n = strspn(pos[1], "+-.0123456789");

		if (n > 0 && n < sizeof(num) && isalpha((unsigned char)pos[1][n])) {
			memcpy(num, pos[1], n);
			num[n] = '\0';
			pos[2] = pos[1] + n;
			pos[1] = num;
			npos = 3;
		}
	}
	if (!bench_path || npos != 3)
		return cli_usage(
			"setpoint",
			"setpoint: expected --bench FILE, an instrument id, a value and a unit");
	if (cal_num_parse_str(&value, NULL, pos[1]))
		return cli_usage("setpoint", "setpoint: '%s' is not a number", pos[1]);
	if (cal_unit_parse(&unit, pos[2]) || cal_unit_quantity(unit) != CAL_Q_PRESSURE)
		return cli_usage(
			"setpoint",
			"setpoint: '%s' is not a pressure unit (Pa, hPa, kPa, MPa, bar, mbar, "
			"psi, kgf/cm2, mmHg, inH2O, inH2O@4C, atm, mH2O)",
			pos[2]);
	if (opt_num(&hold_s, hold, "hold", 3600, "setpoint") ||
	    opt_num(&rate_v, rate, "max-rate", 1e9, "setpoint") ||
	    opt_num(&band_v, band, "band", 1e9, "setpoint") ||
	    opt_num(&timeout_s, timeout, "timeout", 3600, "setpoint"))
		return CLI_USAGE;
	f = cal_unit_si_factor(unit);
	/* default rate limit: 0.01 % of the setpoint per second, at least 1 Pa/s */
	if (rate_v < 0)
		rate_v = value * f * 1e-4 > 1 ? value * 1e-4 : 1 / f;
	if (!(rate_v > 0) || !(timeout_s > 0) || !(hold_s > 0))
		return cli_usage(
			"setpoint",
			"setpoint: --max-rate, --hold and --timeout must be > 0 (a hold of "
			"0 s is no evidence of stability)");
	if (no_flag && !(band_v > 0))
		return cli_usage("setpoint",
				 "setpoint: --no-flag needs --band: without the controller's flag "
				 "only the band ties the pressure to the setpoint");
	rule = (struct cal_settle_rule){ .setpoint_si = value * f,
					 .band_si = band_v * f,
					 .max_rate_si = rate_v * f,
					 .hold_ms = (int)(hold_s * 1000),
					 .timeout_ms = (int)(timeout_s * 1000),
					 .poll_ms = 250,
					 .require_flag = !no_flag,
					 .unit = unit };
	rc = open_bench_dev(&dev, &b, bench_path, pos[0], "setpoint");
	if (rc)
		goto out;
	err = cal_dev_set_setpoint(dev, value, unit);
	if (!err)
		err = cal_dev_control(dev, true);
	if (err) {
		rc = cli_fail(err, NULL);
		goto out;
	}
	res = calloc(1, sizeof(*res));
	if (!res) {
		rc = cli_fail(CAL_ERR_NOMEM, NULL);
		goto out;
	}
	err = cal_dev_settle(res, dev, NULL, &rule, stop_requested, cli);
	if (err == CAL_ERR_INTERRUPTED) {
		cli_err("setpoint: %s: stopped by the operator; the controller still controls at "
			"the setpoint (calbench vent --bench %s %s)",
			pos[0], bench_path, pos[0]);
		rc = CLI_INTERRUPTED;
		goto out;
	}
	if (err && err != CAL_ERR_UNSTABLE) {
		rc = cli_fail(err, NULL);
		goto out;
	}
	if (json) {
		char r[32];

		fputs("{\"reading\": ", stdout);
		reading_json(pos[0], &res->reading);
		cal_num_format_sig(r, sizeof(r), res->rate_si, 6);
		printf(", \"settled\": %s, \"rate_si\": %s, \"held_ms\": %lld, \"samples\": %zu, "
		       "\"rule\": ",
		       err ? "false" : "true", r, (long long)res->held_ms, res->n_samples);
		cli_json_str(stdout, res->rule_text);
		fputs("}\n", stdout);
	} else {
		char r[32];

		printf("%s: ", pos[0]);
		print_reading(&res->reading);
		cal_num_format_sig(r, sizeof(r), res->rate_si / f, 3);
		if (err)
			printf(", not settled\n  rule: %s; %d samples read\n", res->rule_text,
			       res->polls);
		else
			printf(", settled\n  rule: %s\n  evidence: %zu samples over %lld ms, rate "
			       "%s %s/s\n",
			       res->rule_text, res->n_samples, (long long)res->held_ms, r,
			       cal_unit_symbol(unit));
	}
	if (err) {
		cli_err("setpoint: %s", cal_error_last());
		rc = CLI_UNSTABLE;
	}
out:
	free(res);
	cal_dev_close(dev);
	cal_bench_free(b);
	return rc;
}

int cmd_vent(struct cli *cli, int argc, char **argv)
{
	const char *bench_path = NULL;
	const struct cli_opt opts[] = { { "bench", true, &bench_path, NULL },
					{ NULL, false, NULL, NULL } };
	const char *pos[1];
	struct cal_bench *b = NULL;
	struct cal_device *dev = NULL;
	int npos, rc, err;

	(void)cli;
	rc = cli_parse(argc, argv, 1, opts, pos, 1, &npos, "vent");
	if (rc)
		return rc;
	if (!bench_path || npos != 1)
		return cli_usage("vent", "vent: expected --bench FILE and an instrument id");
	rc = open_bench_dev(&dev, &b, bench_path, pos[0], "vent");
	if (!rc) {
		err = cal_dev_vent(dev);
		rc = err ? cli_fail(err, NULL) : CLI_OK;
		if (!err)
			printf("%s: venting\n", pos[0]);
	}
	cal_dev_close(dev);
	cal_bench_free(b);
	return rc;
}
