/*
 * Instrument access from a bench file: ports, bench check, read.
 */
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
		printf("%-10s %-8s %-28s ", in->id, in->driver, where);
		memset(&info, 0, sizeof(info));
		err = cal_dev_open(&dev, in->driver, &in->port, in->id);
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

static void print_reading_json(const char *id, const struct cal_reading *rd)
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
	printf(", \"unit_si\": \"kg\", \"overload\": %s, \"underload\": %s, \"raw\": ",
	       (rd->flags & CAL_RD_OVERLOAD) ? "true" : "false",
	       (rd->flags & CAL_RD_UNDERLOAD) ? "true" : "false");
	cli_json_str(stdout, rd->raw);
	fputs("}\n", stdout);
}

int cmd_read(struct cli *cli, int argc, char **argv)
{
	const char *bench_path = NULL, *timeout = NULL;
	bool json = false, now = false;
	const struct cli_opt opts[] = {
		{ "bench", true, &bench_path, NULL }, { "timeout", true, &timeout, NULL },
		{ "json", false, NULL, &json },	      { "now", false, NULL, &now },
		{ NULL, false, NULL, NULL },
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
	err = cal_dev_open(&dev, in->driver, &in->port, in->id);
	memset(&rd, 0, sizeof(rd));
	if (!err) {
		if (now)
			err = cal_dev_read(&rd, dev, CAL_READ_NOW);
		else
			err = cal_dev_read_stable(&rd, dev, NULL, (int)(t_s * 1000), NULL, NULL);
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
	} else {
		rc = cli_fail(err, NULL);
	}
	cal_dev_close(dev);
	cal_bench_free(b);
	return rc;
}
