/*
 * calbench sim balance: a simulated MT-SICS balance, standalone.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/sim_balance.h"
#include "cal/transport.h"
#include "cli.h"

static int num_opt(double *out, const char *text, const char *name, double lo)
{
	if (!text)
		return CLI_OK;
	if (cal_num_parse_str(out, NULL, text) || !(*out >= lo))
		return cli_usage("sim", "sim balance: --%s '%s' is not a number >= %g", name, text,
				 lo);
	return CLI_OK;
}

int cmd_sim(struct cli *cli, int argc, char **argv)
{
	const char *listen = NULL, *link_path = NULL, *max = NULL, *d = NULL, *noise = NULL;
	const char *settle = NULL, *drift = NULL, *profile = NULL, *serial = NULL, *model = NULL;
	const char *seed = NULL;
	const struct cli_opt opts[] = {
		{ "listen", true, &listen, NULL }, { "link", true, &link_path, NULL },
		{ "max", true, &max, NULL },	   { "d", true, &d, NULL },
		{ "noise", true, &noise, NULL },   { "settle-ms", true, &settle, NULL },
		{ "drift", true, &drift, NULL },   { "profile", true, &profile, NULL },
		{ "serial", true, &serial, NULL }, { "model", true, &model, NULL },
		{ "seed", true, &seed, NULL },	   { NULL, false, NULL, NULL },
	};
	const char *pos[1];
	int npos, rc, err;
	struct cal_sim_balance_cfg cfg;
	struct cal_sim_balance *sim = NULL;
	double v;
	char where[300];

	rc = cli_parse(argc, argv, 1, opts, pos, 1, &npos, "sim");
	if (rc)
		return rc;
	if (npos != 1 || strcmp(pos[0], "balance") != 0)
		return cli_usage("sim", "sim: which simulator? (balance)");
	cal_sim_balance_cfg_default(&cfg);
	if ((rc = num_opt(&cfg.max_g, max, "max", 1e-9)) ||
	    (rc = num_opt(&cfg.d_g, d, "d", 1e-9)) ||
	    (rc = num_opt(&cfg.noise_g, noise, "noise", 0)) ||
	    (rc = num_opt(&cfg.drift_g_per_min, drift, "drift", -1e9)))
		return rc;
	if (settle) {
		if ((rc = num_opt(&v, settle, "settle-ms", 0)) != 0)
			return rc;
		cfg.settle_ms = (int)v;
	}
	if (seed) {
		if ((rc = num_opt(&v, seed, "seed", 0)) != 0)
			return rc;
		cfg.seed = (unsigned)v;
	}
	if (serial)
		snprintf(cfg.serial, sizeof(cfg.serial), "%s", serial);
	if (model)
		snprintf(cfg.model, sizeof(cfg.model), "%s", model);
	if (profile && cal_sim_balance_parse_profile(&cfg, profile))
		return cli_usage("sim", "sim balance: --profile: %s", cal_error_last());
	err = cal_sim_balance_new(&sim, &cfg);
	if (err)
		return cli_fail(err, "sim balance");
	if (listen) {
		struct cal_port_cfg pc;
		int bound = 0;

		if (cal_port_cfg_parse(&pc, listen, NULL) || pc.kind != CAL_PORT_TCP) {
			cal_sim_balance_free(sim);
			return cli_usage("sim",
					 "sim balance: --listen wants tcp:HOST:PORT, not '%s'",
					 listen);
		}
		err = cal_sim_balance_listen_tcp(sim, pc.host, pc.tcp_port, &bound);
		snprintf(where, sizeof(where), "tcp:%s:%d", pc.host, bound);
	} else {
		err = cal_sim_balance_listen_pty(sim, where, sizeof(where));
	}
	if (!err)
		err = cal_sim_balance_start(sim);
	if (err) {
		cal_sim_balance_free(sim);
		return cli_fail(err, "sim balance");
	}
	if (link_path && !listen) {
		unlink(link_path);
		if (symlink(where, link_path)) {
			cli_err("sim balance: cannot link %s -> %s: %s", link_path, where,
				strerror(errno));
			cal_sim_balance_free(sim);
			return CLI_ERROR;
		}
	}
	/* Unbuffered: poll() sees every control line, even several in one write. */
	setvbuf(stdin, NULL, _IONBF, 0);
	printf("%s\n", where);
	if (link_path && !listen)
		printf("linked: %s -> %s\n", link_path, where);
	fprintf(stderr,
		"calbench: simulated balance (MT-SICS, Max %g g, d %g g, serial %s) on %s; "
		"commands on stdin ('help'), Ctrl-C to stop\n",
		cfg.max_g, cfg.d_g, cfg.serial, where);
	fflush(stdout);

	for (bool stdin_open = true; !*cli->stop_flag;) {
		struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
		char line[256], reply[512];

		if (!stdin_open || poll(&pfd, 1, 200) <= 0 || !(pfd.revents & (POLLIN | POLLHUP))) {
			if (!stdin_open)
				usleep(200 * 1000);
			continue;
		}
		if (!fgets(line, sizeof(line), stdin)) {
			stdin_open = false;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		reply[0] = '\0';
		if (cal_sim_balance_control(sim, line, reply, sizeof(reply)))
			printf("error: %s\n", cal_error_last());
		else
			printf("%s\n", reply[0] ? reply : "ok");
		fflush(stdout);
	}
	cal_sim_balance_stop(sim);
	cal_sim_balance_free(sim);
	if (link_path && !listen)
		unlink(link_path);
	return CLI_OK;
}
