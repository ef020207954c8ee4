/*
 * calbench sim balance|pressure|flow: a simulated instrument, standalone.
 * The first line of stdout is where it serves (a pty path, tcp:HOST:PORT or
 * modbus-tcp:HOST:PORT); control lines on stdin get one answer line each;
 * SIGINT/SIGTERM stop it (sim flow: also the end of stdin, see flow_serve).
 *
 *   calbench sim balance [--listen tcp:HOST:PORT] [--link PATH] [--max G] [--d G]
 *       [--noise G] [--settle-ms MS] [--drift G_PER_MIN] [--profile LOAD:ERR,...]
 *       [--serial SN] [--model TEXT] [--seed N]
 *   calbench sim pressure --protocol pace|mensor-cpc|ppc4 [--listen tcp:HOST:PORT]
 *       [--link PATH] [--serial SN] [--unit U] [--range LO:HI] [--decimals N]
 *       [--tau-ms MS] [--overshoot F] [--noise P] [--leak P_PER_S] [--band P]
 *       [--dwell-ms MS] [--ss P_PER_S] [--atm P] [--seed N]
 *   calbench sim flow [--listen modbus-tcp:HOST:PORT | --rtu [--link PATH]]
 *       [--preset NAME] [--unit-id N] [--serial 19200/8E1] [--q M3H] [--tau-ms MS]
 *       [--noise FRACTION] [--seed N] [--flow-unit U] [--total-unit U]
 *
 * Pressures are in --unit (default bar; kPa for ppc4). --band is the PACE
 * in-limits band (given as a pressure, sent as % of full scale), the Mensor
 * stable band or the PPC4 hold limit; --dwell-ms the PACE in-limits time or
 * the Mensor/PPC4 dwell before ready; --ss and --atm are PPC4's.
 *
 * sim flow serves a Modbus register map (cal/modbus_map.h presets) over
 * Modbus RTU on a pty (the default) or Modbus TCP; its --serial is the RTU
 * line settings (no effect on a pty), not a serial number.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/modbus_map.h"
#include "cal/sim_balance.h"
#include "cal/sim_flow.h"
#include "cal/sim_pressure.h"
#include "cal/transport.h"
#include "cal/units.h"
#include "cli.h"

/* Every option of both simulators; each checks it got only its own. */
struct sim_opts {
	const char *listen, *link, *serial, *seed, *noise;
	/* balance */
	const char *max, *d, *settle, *drift, *profile, *model;
	/* pressure */
	const char *protocol, *unit, *range, *decimals, *tau, *overshoot, *leak, *band, *dwell, *ss,
		*atm;
	/* flow (--serial: RTU line settings) */
	const char *preset, *unit_id, *q, *flow_unit, *total_unit, *speed;
	bool rtu;
};

/* One simulator, either kind: what the serve loop works on. */
struct sim_handle {
	const char *what; /* "sim balance", for messages */
	struct cal_sim_balance *bal;
	struct cal_sim_pressure *prs; /* exactly one of bal and prs */
};

static int h_listen_tcp(struct sim_handle *h, const char *host, int port, int *bound)
{
	return h->bal ? cal_sim_balance_listen_tcp(h->bal, host, port, bound)
		      : cal_sim_pressure_listen_tcp(h->prs, host, port, bound);
}

static int h_listen_pty(struct sim_handle *h, char *path, size_t size)
{
	return h->bal ? cal_sim_balance_listen_pty(h->bal, path, size)
		      : cal_sim_pressure_listen_pty(h->prs, path, size);
}

static int h_start(struct sim_handle *h)
{
	return h->bal ? cal_sim_balance_start(h->bal) : cal_sim_pressure_start(h->prs);
}

static int h_control(struct sim_handle *h, const char *line, char *reply, size_t size)
{
	return h->bal ? cal_sim_balance_control(h->bal, line, reply, size)
		      : cal_sim_pressure_control(h->prs, line, reply, size);
}

/* Stop and free (free stops first). */
static void h_free(struct sim_handle *h)
{
	cal_sim_balance_free(h->bal);
	cal_sim_pressure_free(h->prs);
	h->bal = NULL;
	h->prs = NULL;
}

static int num_opt(double *out, const char *text, const char *what, const char *name, double lo)
{
	if (!text)
		return CLI_OK;
	if (cal_num_parse_str(out, NULL, text) || !(*out >= lo))
		return cli_usage("sim", "%s: --%s '%s' is not a number >= %g", what, name, text,
				 lo);
	return CLI_OK;
}

/* An integer option within lo..hi into *out (left alone when absent). */
static int int_opt(int *out, const char *text, const char *what, const char *name, double lo,
		   double hi)
{
	double v;
	int rc = num_opt(&v, text, what, name, lo);

	if (rc || !text)
		return rc;
	if (v > hi || v != floor(v))
		return cli_usage("sim", "%s: --%s '%s' is not an integer %.0f..%.0f", what, name,
				 text, lo, hi);
	*out = (int)v;
	return CLI_OK;
}

/* --seed and --serial, alike for every simulator. */
static int seed_serial(const struct sim_opts *o, const char *what, unsigned *seed, char *serial,
		       size_t size)
{
	double v;
	int rc;

	if (o->seed) {
		if ((rc = num_opt(&v, o->seed, what, "seed", 0)) != 0)
			return rc;
		*seed = (unsigned)v;
	}
	if (o->serial)
		snprintf(serial, size, "%s", o->serial);
	return CLI_OK;
}

/* Refuse the options of the other simulator. */
static int only_own(const char *what, const char *const *names, const char *const *vals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (vals[i])
			return cli_usage("sim", "%s: --%s is not one of its options", what,
					 names[i]);
	}
	return CLI_OK;
}

/*
 * Listen (pty or TCP), start, print where, then answer control lines on
 * stdin until a signal. Frees the simulator of @h in every case.
 */

typedef int (*control_fn)(void *ctx, const char *line, char *reply, size_t size);

/*
 * Control lines from stdin until Ctrl-C (or end of input when @stop_on_eof):
 * each reply, or "ok", on stdout; an error on stdout as "error: ..." when
 * @what is NULL, else on stderr naming @what.
 */
static void control_loop(struct cli *cli, control_fn control, void *ctx, bool stop_on_eof,
			 const char *what)
{
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
			if (stop_on_eof)
				break;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		reply[0] = '\0';
		if (control(ctx, line, reply, sizeof(reply))) {
			if (what)
				cli_err("%s: %s", what, cal_error_last());
			else
				printf("error: %s\n", cal_error_last());
		} else {
			printf("%s\n", reply[0] ? reply : "ok");
		}
		fflush(stdout);
	}
}

static int h_control_fn(void *ctx, const char *line, char *reply, size_t size)
{
	return h_control(ctx, line, reply, size);
}

static int flow_control(void *ctx, const char *line, char *reply, size_t size)
{
	return cal_sim_flow_control(ctx, line, reply, size);
}

static int serve(struct cli *cli, struct sim_handle *h, const char *listen, const char *link_path,
		 const char *banner)
{
	char where[300];
	int err;

	if (listen) {
		struct cal_port_cfg pc;
		int bound = 0;

		if (cal_port_cfg_parse(&pc, listen, NULL) || pc.kind != CAL_PORT_TCP) {
			h_free(h);
			return cli_usage("sim", "%s: --listen wants tcp:HOST:PORT, not '%s'",
					 h->what, listen);
		}
		err = h_listen_tcp(h, pc.host, pc.tcp_port, &bound);
		snprintf(where, sizeof(where), "tcp:%s:%d", pc.host, bound);
	} else {
		err = h_listen_pty(h, where, sizeof(where));
	}
	if (!err)
		err = h_start(h);
	if (err) {
		h_free(h);
		return cli_fail(err, h->what);
	}
	if (link_path && !listen) {
		unlink(link_path);
		if (symlink(where, link_path)) {
			cli_err("%s: cannot link %s -> %s: %s", h->what, link_path, where,
				strerror(errno));
			h_free(h);
			return CLI_ERROR;
		}
	}
	/* Unbuffered: poll() sees every control line, even several in one write. */
	setvbuf(stdin, NULL, _IONBF, 0);
	printf("%s\n", where);
	if (link_path && !listen)
		printf("linked: %s -> %s\n", link_path, where);
	fprintf(stderr, "calbench: %s on %s; commands on stdin ('help'), Ctrl-C to stop\n", banner,
		where);
	fflush(stdout);

	control_loop(cli, h_control_fn, h, false, NULL);
	h_free(h);
	if (link_path && !listen)
		unlink(link_path);
	return CLI_OK;
}

/* ---- balance ------------------------------------------------------------ */

static int sim_balance(struct cli *cli, const struct sim_opts *o)
{
	static const char *const other[] = { "protocol", "unit",      "range", "decimals",
					     "tau-ms",	 "overshoot", "leak",  "band",
					     "dwell-ms", "ss",	      "atm" };
	const char *const vals[] = { o->protocol, o->unit,	o->range, o->decimals,
				     o->tau,	  o->overshoot, o->leak,  o->band,
				     o->dwell,	  o->ss,	o->atm };
	struct sim_handle h = { .what = "sim balance" };
	const char *what = h.what;
	struct cal_sim_balance_cfg cfg;
	char banner[256];
	double v;
	int rc, err;

	if ((rc = only_own(what, other, vals, sizeof(vals) / sizeof(vals[0]))))
		return rc;
	cal_sim_balance_cfg_default(&cfg);
	if ((rc = num_opt(&cfg.max_g, o->max, what, "max", 1e-9)) ||
	    (rc = num_opt(&cfg.d_g, o->d, what, "d", 1e-9)) ||
	    (rc = num_opt(&cfg.noise_g, o->noise, what, "noise", 0)) ||
	    (rc = num_opt(&cfg.drift_g_per_min, o->drift, what, "drift", -1e9)))
		return rc;
	if (o->settle) {
		if ((rc = num_opt(&v, o->settle, what, "settle-ms", 0)) != 0)
			return rc;
		cfg.settle_ms = (int)v;
	}
	if ((rc = seed_serial(o, what, &cfg.seed, cfg.serial, sizeof(cfg.serial))))
		return rc;
	if (o->model)
		snprintf(cfg.model, sizeof(cfg.model), "%s", o->model);
	if (o->profile && cal_sim_balance_parse_profile(&cfg, o->profile))
		return cli_usage("sim", "sim balance: --profile: %s", cal_error_last());
	err = cal_sim_balance_new(&h.bal, &cfg);
	if (err)
		return cli_fail(err, what);
	snprintf(banner, sizeof(banner), "simulated balance (MT-SICS, Max %g g, d %g g, serial %s)",
		 cfg.max_g, cfg.d_g, cfg.serial);
	return serve(cli, &h, o->listen, o->link, banner);
}

/* ---- pressure --------------------------------------------------------------- */

/* A pressure option in the unit @u, into Pa. */
static int prs_opt(double *pa, const char *text, const char *name, enum cal_unit u, double lo)
{
	double v;
	int rc;

	if (!text)
		return CLI_OK;
	rc = num_opt(&v, text, "sim pressure", name, lo);
	if (rc == CLI_OK)
		*pa = v * cal_unit_si_factor(u);
	return rc;
}

static int sim_pressure(struct cli *cli, const struct sim_opts *o)
{
	static const char *const other[] = { "max", "d", "settle-ms", "drift", "profile", "model" };
	const char *const vals[] = { o->max, o->d, o->settle, o->drift, o->profile, o->model };
	struct sim_handle h = { .what = "sim pressure" };
	const char *what = h.what;
	struct cal_sim_pressure_cfg cfg;
	enum cal_unit u;
	char banner[256], lo[48], hi[48];
	double band = 0;
	int rc, err;

	if ((rc = only_own(what, other, vals, sizeof(vals) / sizeof(vals[0]))))
		return rc;
	cal_sim_pressure_cfg_default(&cfg);
	if (!o->protocol)
		return cli_usage("sim", "sim pressure: --protocol pace|mensor-cpc|ppc4 is needed");
	if (cal_sim_pressure_protocol_parse(&cfg.protocol, o->protocol))
		return cli_usage("sim", "sim pressure: --%s", cal_error_last());
	u = cal_sim_pressure_default_unit(cfg.protocol);
	if (o->unit && (cal_unit_parse(&u, o->unit) || cal_unit_quantity(u) != CAL_Q_PRESSURE))
		return cli_usage("sim",
				 "sim pressure: --unit '%s' is not a unit of pressure "
				 "(Pa, kPa, MPa, bar, mbar, psi, kgf/cm2, mmHg, inH2O, "
				 "inH2O@4C, atm)",
				 o->unit);
	cfg.unit = u;
	if (o->range) {
		const char *colon = strchr(o->range, ':');
		double a, b;

		if (!colon || cal_num_parse(&a, NULL, o->range, (size_t)(colon - o->range)) ||
		    cal_num_parse_str(&b, NULL, colon + 1))
			return cli_usage("sim", "sim pressure: --range wants LO:HI, not '%s'",
					 o->range);
		cfg.lower_pa = a * cal_unit_si_factor(u);
		cfg.upper_pa = b * cal_unit_si_factor(u);
	}
	if ((rc = int_opt(&cfg.decimals, o->decimals, what, "decimals", 0, 9)) ||
	    (rc = int_opt(&cfg.tau_ms, o->tau, what, "tau-ms", 1, 3600000)) ||
	    (rc = num_opt(&cfg.overshoot, o->overshoot, what, "overshoot", 0)) ||
	    (rc = prs_opt(&cfg.noise_pa, o->noise, "noise", u, 0)) ||
	    (rc = prs_opt(&cfg.leak_pa_s, o->leak, "leak", u, 0)) ||
	    (rc = prs_opt(&band, o->band, "band", u, 1e-300)) ||
	    (rc = prs_opt(&cfg.ss_pa_s, o->ss, "ss", u, 1e-300)) ||
	    (rc = prs_opt(&cfg.atm_pa, o->atm, "atm", u, 1e-300)))
		return rc;
	if (o->ss && cfg.protocol != CAL_SIM_PRS_PPC4)
		return cli_usage("sim", "sim pressure: --ss is for ppc4 only");
	if (o->atm && cfg.protocol != CAL_SIM_PRS_PPC4)
		return cli_usage("sim", "sim pressure: --atm is for ppc4 only");
	if (o->band && cfg.protocol == CAL_SIM_PRS_PACE)
		cfg.inl_pct = band / fmax(fabs(cfg.lower_pa), fabs(cfg.upper_pa)) * 100.0;
	else if (o->band && cfg.protocol == CAL_SIM_PRS_MENSOR)
		cfg.stable_band_pa = band;
	else if (o->band)
		cfg.hs_pa = band;
	if (o->dwell &&
	    (rc = int_opt(cfg.protocol == CAL_SIM_PRS_PACE ? &cfg.inl_time_ms : &cfg.dwell_ms,
			  o->dwell, what, "dwell-ms", 0, 999000)))
		return rc;
	if ((rc = seed_serial(o, what, &cfg.seed, cfg.serial, sizeof(cfg.serial))))
		return rc;
	err = cal_sim_pressure_new(&h.prs, &cfg);
	if (err)
		return cli_fail(err, what);
	cal_num_format_sig(lo, sizeof(lo), cfg.lower_pa / cal_unit_si_factor(u), 6);
	cal_num_format_sig(hi, sizeof(hi), cfg.upper_pa / cal_unit_si_factor(u), 6);
	snprintf(banner, sizeof(banner),
		 "simulated pressure controller (%s, range %s..%s %s gauge, serial %s)",
		 o->protocol, lo, hi, cal_unit_symbol(u), cfg.serial);
	return serve(cli, &h, o->listen, o->link, banner);
}

/* ---- flow ---------------------------------------------------------------------- */

/*
 * Whether the end of stdin stops `sim flow`: yes when stdin is a pipe, a
 * socket or a terminal (whoever started it with a pipe closed it, or Ctrl-D);
 * no when it is a file or /dev/null (`calbench sim flow ... &` in a script
 * gets /dev/null: the simulator must keep serving until a signal).
 */
static bool eof_stops(void)
{
	struct stat st;

	if (fstat(STDIN_FILENO, &st) != 0)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(STDIN_FILENO);
}

/*
 * Listen, start, print where, then answer control lines on stdin until a
 * signal or, when eof_stops(), the end of stdin. Replies go to stdout, a bad
 * control line gets one line on stderr. Frees @sim in every case.
 */
static int flow_serve(struct cli *cli, struct cal_sim_flow *sim, const struct cal_port_cfg *tcp,
		      const char *link_path, const char *banner)
{
	const char *what = "sim flow";
	char where[300], bench_port[320];
	bool stop_on_eof = eof_stops();
	int err, bound = 0;

	if (tcp) {
		err = cal_sim_flow_listen_tcp(sim, tcp->host, tcp->tcp_port, &bound);
		snprintf(where, sizeof(where),
			 strchr(tcp->host, ':') ? "modbus-tcp:[%s]:%d" : "modbus-tcp:%s:%d",
			 tcp->host, bound);
		snprintf(bench_port, sizeof(bench_port), "%s", where);
	} else {
		err = cal_sim_flow_listen_rtu(sim, where, sizeof(where));
		snprintf(bench_port, sizeof(bench_port), "modbus-rtu:%s", where);
	}
	if (!err)
		err = cal_sim_flow_start(sim);
	if (err) {
		cal_sim_flow_free(sim);
		return cli_fail(err, what);
	}
	if (link_path && !tcp) {
		unlink(link_path);
		if (symlink(where, link_path)) {
			cli_err("%s: cannot link %s -> %s: %s", what, link_path, where,
				strerror(errno));
			cal_sim_flow_free(sim);
			return CLI_ERROR;
		}
	}
	/* Unbuffered: poll() sees every control line, even several in one write. */
	setvbuf(stdin, NULL, _IONBF, 0);
	printf("%s\n", where);
	if (link_path && !tcp)
		printf("linked: %s -> %s\n", link_path, where);
	fprintf(stderr,
		"calbench: %s on %s (bench file port: %s); commands on stdin ('help'), "
		"Ctrl-C%s to stop\n",
		banner, where, bench_port, stop_on_eof ? " or end of input" : "");
	fflush(stdout);

	control_loop(cli, flow_control, sim, stop_on_eof, what);
	cal_sim_flow_free(sim);
	if (link_path && !tcp)
		unlink(link_path);
	return CLI_OK;
}

/*
 * "modbus-tcp:HOST:PORT" (or "tcp:HOST:PORT"; HOST may be "[v6]") into
 * out->host and out->tcp_port; PORT 0..65535, 0 for any free port.
 */
static int flow_listen_parse(struct cal_port_cfg *out, const char *text)
{
	const char *hp = strncmp(text, "modbus-", 7) == 0 ? text + 7 : text;
	const char *colon;
	size_t hlen;
	char *end;
	long port;

	memset(out, 0, sizeof(*out));
	if (strncmp(hp, "tcp:", 4) != 0)
		return -1;
	hp += 4;
	colon = strrchr(hp, ':');
	if (!colon || colon == hp)
		return -1;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
		return -1;
	hlen = (size_t)(colon - hp);
	if (hp[0] == '[' && hlen > 2 && hp[hlen - 1] == ']') {
		hp++;
		hlen -= 2;
	}
	if (hlen >= sizeof(out->host))
		return -1;
	memcpy(out->host, hp, hlen);
	out->host[hlen] = '\0';
	out->tcp_port = (int)port;
	out->kind = CAL_PORT_TCP;
	return 0;
}

/* A flow (@q CAL_Q_FLOW) or volume unit option into *out (left alone when absent). */
static int flow_unit_opt(enum cal_unit *out, const char *text, const char *name,
			 enum cal_quantity q)
{
	if (!text)
		return CLI_OK;
	if (cal_unit_parse(out, text) || cal_unit_quantity(*out) != q)
		return cli_usage("sim", "sim flow: --%s '%s' is not a unit of %s", name, text,
				 q == CAL_Q_FLOW ? "flow (m3/h, m3/s, L/s, L/min, L/h)"
						 : "volume (m3, L, mL)");
	return CLI_OK;
}

static int sim_flow(struct cli *cli, const struct sim_opts *o)
{
	static const char *const other[] = { "max",	"d",	    "settle-ms", "drift",
					     "profile", "model",    "protocol",	 "unit",
					     "range",	"decimals", "overshoot", "leak",
					     "band",	"dwell-ms", "ss",	 "atm" };
	const char *const vals[] = { o->max,	 o->d,	      o->settle,    o->drift,
				     o->profile, o->model,    o->protocol,  o->unit,
				     o->range,	 o->decimals, o->overshoot, o->leak,
				     o->band,	 o->dwell,    o->ss,	    o->atm };
	const char *what = "sim flow";
	struct cal_sim_flow_cfg cfg;
	struct cal_port_cfg tcp, line;
	struct cal_sim_flow *sim = NULL;
	char banner[256], names[160] = "", *p = names;
	size_t n;
	double v;
	int rc, err;

	if ((rc = only_own(what, other, vals, sizeof(vals) / sizeof(vals[0]))))
		return rc;
	cal_sim_flow_cfg_default(&cfg);
	if (o->listen && (o->rtu || o->link))
		return cli_usage("sim", "sim flow: --listen (Modbus TCP) or --rtu [--link PATH] "
					"(Modbus RTU on a pty), not both");
	if (o->listen) {
		if (flow_listen_parse(&tcp, o->listen))
			return cli_usage(
				"sim",
				"sim flow: --listen wants modbus-tcp:HOST:PORT (PORT 0: any "
				"free port), not '%s'",
				o->listen);
		if (o->serial)
			return cli_usage("sim",
					 "sim flow: --serial is for Modbus RTU, not with --listen");
	}
	if (o->serial) {
		if (cal_port_cfg_parse(&line, "rtu", o->serial))
			return cli_usage("sim", "sim flow: --serial: %s", cal_error_last());
		cfg.baud = line.baud;
		cfg.data_bits = line.data_bits;
		cfg.parity = line.parity;
		cfg.stop_bits = line.stop_bits;
	}
	if (o->preset) {
		if (!cal_mb_preset_find(o->preset)) {
			const struct cal_mb_map *const *all = cal_mb_preset_list(&n);

			for (size_t i = 0; i < n; i++)
				p += snprintf(p, sizeof(names) - (size_t)(p - names), "%s%s",
					      i ? ", " : "", all[i]->name);
			return cli_usage("sim", "sim flow: --preset '%s': expected one of %s",
					 o->preset, names);
		}
		snprintf(cfg.preset, sizeof(cfg.preset), "%s", o->preset);
	}
	if ((rc = int_opt(&cfg.unit_id, o->unit_id, what, "unit-id", 1, 247)) ||
	    (rc = num_opt(&cfg.q_m3h, o->q, what, "q", 0)) ||
	    (rc = int_opt(&cfg.tau_ms, o->tau, what, "tau-ms", 1, 3600000)) ||
	    (rc = num_opt(&cfg.noise, o->noise, what, "noise", 0)) ||
	    (rc = num_opt(&cfg.speed, o->speed, what, "speed", 1)) ||
	    (rc = flow_unit_opt(&cfg.flow_unit, o->flow_unit, "flow-unit", CAL_Q_FLOW)) ||
	    (rc = flow_unit_opt(&cfg.total_unit, o->total_unit, "total-unit", CAL_Q_VOLUME)))
		return rc;
	if (o->noise && cfg.noise > 1)
		return cli_usage("sim", "sim flow: --noise is a fraction of the flow, 0..1");
	if (o->seed) {
		if ((rc = num_opt(&v, o->seed, what, "seed", 0)) != 0)
			return rc;
		cfg.seed = (unsigned)v;
	}
	err = cal_sim_flow_new(&sim, &cfg);
	if (err)
		return cli_fail(err, what);
	if (o->listen)
		snprintf(banner, sizeof(banner),
			 "simulated Modbus flow meter (%s, Modbus TCP, unit id %d, %g m3/h)",
			 cfg.preset, cfg.unit_id, cfg.q_m3h);
	else
		snprintf(banner, sizeof(banner),
			 "simulated Modbus flow meter (%s, Modbus RTU unit id %d, %d/%d%c%d, %g "
			 "m3/h)",
			 cfg.preset, cfg.unit_id, cfg.baud, cfg.data_bits, cfg.parity,
			 cfg.stop_bits, cfg.q_m3h);
	return flow_serve(cli, sim, o->listen ? &tcp : NULL, o->link, banner);
}

int cmd_sim(struct cli *cli, int argc, char **argv)
{
	struct sim_opts o;
	const struct cli_opt opts[] = {
		{ "listen", true, &o.listen, NULL },
		{ "link", true, &o.link, NULL },
		{ "serial", true, &o.serial, NULL },
		{ "seed", true, &o.seed, NULL },
		{ "noise", true, &o.noise, NULL },
		{ "max", true, &o.max, NULL },
		{ "d", true, &o.d, NULL },
		{ "settle-ms", true, &o.settle, NULL },
		{ "drift", true, &o.drift, NULL },
		{ "profile", true, &o.profile, NULL },
		{ "model", true, &o.model, NULL },
		{ "protocol", true, &o.protocol, NULL },
		{ "unit", true, &o.unit, NULL },
		{ "range", true, &o.range, NULL },
		{ "decimals", true, &o.decimals, NULL },
		{ "tau-ms", true, &o.tau, NULL },
		{ "overshoot", true, &o.overshoot, NULL },
		{ "leak", true, &o.leak, NULL },
		{ "band", true, &o.band, NULL },
		{ "dwell-ms", true, &o.dwell, NULL },
		{ "ss", true, &o.ss, NULL },
		{ "atm", true, &o.atm, NULL },
		{ "rtu", false, NULL, &o.rtu },
		{ "preset", true, &o.preset, NULL },
		{ "unit-id", true, &o.unit_id, NULL },
		{ "q", true, &o.q, NULL },
		{ "flow-unit", true, &o.flow_unit, NULL },
		{ "total-unit", true, &o.total_unit, NULL },
		{ "speed", true, &o.speed, NULL },
		{ NULL, false, NULL, NULL },
	};
	const char *pos[1];
	int npos, rc;

	memset(&o, 0, sizeof(o));
	rc = cli_parse(argc, argv, 1, opts, pos, 1, &npos, "sim");
	if (rc)
		return rc;
	if (npos == 1 && strcmp(pos[0], "flow") == 0)
		return sim_flow(cli, &o);
	if (npos == 1 && (strcmp(pos[0], "balance") == 0 || strcmp(pos[0], "pressure") == 0)) {
		static const char *const flow_only[] = { "rtu",	      "preset",	    "unit-id", "q",
							 "flow-unit", "total-unit", "speed" };
		const char *const vals[] = { o.rtu ? "" : NULL, o.preset,     o.unit_id, o.q,
					     o.flow_unit,	o.total_unit, o.speed };

		rc = only_own(pos[0][0] == 'b' ? "sim balance" : "sim pressure", flow_only, vals,
			      sizeof(vals) / sizeof(vals[0]));
		if (rc)
			return rc;
	}
	if (npos == 1 && strcmp(pos[0], "balance") == 0)
		return sim_balance(cli, &o);
	if (npos == 1 && strcmp(pos[0], "pressure") == 0)
		return sim_pressure(cli, &o);
	return cli_usage("sim", "sim: which simulator? (balance, pressure --protocol "
				"pace|mensor-cpc|ppc4, or flow)");
}
