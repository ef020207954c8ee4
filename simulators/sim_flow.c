/*
 * Modbus flow meter simulator: the public API (cal/sim_flow.h), its
 * settings, the register plan (which value each quantity of the map holds
 * and in which unit), the update of the libmodbus mapping, the text control
 * of `calbench sim flow` and the status line. The model lives in
 * sim_flow_model.c, the libmodbus server thread in sim_flow_server.c, the
 * file descriptors in sim_link.c.
 *
 * Values are encoded with cal_mb_quantity_encode() (never with libmodbus'
 * float helpers, protocols.md §6.2) into the registers of the mapping, under
 * the lock, just before each reply.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/num.h"
#define LOG_PREFIX "sim-flow"
#include "cal/log.h"

#include "sim_flow_int.h"

#define CTL_COUNT_MAX 1000000
#define Q_MAX_M3H 1e9 /* largest setpoint accepted, m3/h */

/* generic-mfe unit codes (MFE600H manual p. 27, protocols.md §5.4). */
static const struct {
	enum cal_unit unit;
	int code;
} flow_codes[] = {
	{ CAL_UNIT_L_S, 0 },  { CAL_UNIT_L_MIN, 1 }, { CAL_UNIT_L_H, 2 },
	{ CAL_UNIT_M3_S, 3 }, { CAL_UNIT_M3_H, 5 },
},
  total_codes[] = {
	  { CAL_UNIT_L, 0 },
	  { CAL_UNIT_M3, 1 },
  };

static const char *const fault_names[] = {
	[CAL_SIM_FLOW_FAULT_NONE] = "none",   [CAL_SIM_FLOW_FAULT_EXCEPTION] = "exception",
	[CAL_SIM_FLOW_FAULT_CRC] = "crc",     [CAL_SIM_FLOW_FAULT_SILENCE] = "silence",
	[CAL_SIM_FLOW_FAULT_SLAVE] = "slave",
};

/* ---- settings ---------------------------------------------------------------- */

void cal_sim_flow_cfg_default(struct cal_sim_flow_cfg *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->preset, sizeof(cfg->preset), "%s", "siemens-mag6000");
	cfg->map = NULL;
	cfg->unit_id = 1;
	cfg->q_m3h = 10;
	cfg->tau_ms = 1000;
	cfg->noise = 0;
	cfg->seed = 1;
	cfg->speed = 1;
	cfg->flow_unit = CAL_UNIT_NONE;
	cfg->total_unit = CAL_UNIT_NONE;
	cfg->baud = 19200;
	cfg->parity = 'E';
	cfg->data_bits = 8;
	cfg->stop_bits = 1;
}

static void preset_names(char *buf, size_t size)
{
	size_t n, len = 0;
	const struct cal_mb_map *const *all = cal_mb_preset_list(&n);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += sim_put(buf + len, size - len, "%s%s", i ? ", " : "", all[i]->name);
}

static int check_cfg(const struct cal_sim_flow_cfg *c)
{
	if (c->unit_id < 1 || c->unit_id > 247)
		return cal_error_set(CAL_ERR_ARG, "simulator: unit id %d is not 1..247",
				     c->unit_id);
	if (!isfinite(c->q_m3h) || c->q_m3h < 0 || c->q_m3h > Q_MAX_M3H)
		return cal_error_set(CAL_ERR_ARG, "simulator: the flow must be 0..%g m3/h",
				     Q_MAX_M3H);
	if (c->tau_ms < 1 || c->tau_ms > SIM_FLOW_TAU_MAX_MS)
		return cal_error_set(CAL_ERR_ARG, "simulator: tau_ms must be 1..%d",
				     SIM_FLOW_TAU_MAX_MS);
	if (!isfinite(c->noise) || c->noise < 0 || c->noise > 1)
		return cal_error_set(CAL_ERR_ARG, "simulator: noise must be a fraction 0..1");
	if (!isfinite(c->speed) || c->speed < 1 || c->speed > 10000)
		return cal_error_set(CAL_ERR_ARG, "simulator: speed must be 1..10000");
	if (c->flow_unit != CAL_UNIT_NONE && cal_unit_quantity(c->flow_unit) != CAL_Q_FLOW)
		return cal_error_set(CAL_ERR_ARG, "simulator: '%s' is not a unit of flow",
				     cal_unit_symbol(c->flow_unit));
	if (c->total_unit != CAL_UNIT_NONE && cal_unit_quantity(c->total_unit) != CAL_Q_VOLUME)
		return cal_error_set(CAL_ERR_ARG, "simulator: '%s' is not a unit of volume",
				     cal_unit_symbol(c->total_unit));
	if (c->baud <= 0 || (c->parity != 'N' && c->parity != 'E' && c->parity != 'O') ||
	    c->data_bits < 5 || c->data_bits > 8 || c->stop_bits < 1 || c->stop_bits > 2)
		return cal_error_set(CAL_ERR_ARG, "simulator: bad RTU line settings %d/%d%c%d",
				     c->baud, c->data_bits, c->parity ? c->parity : '?',
				     c->stop_bits);
	return CAL_OK;
}

/* ---- the register plan --------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum sim_flow_role role_of(const char *name)
{
	if (strcmp(name, "flow") == 0)
		return SIM_FLOW_FLOW;
	if (strcmp(name, "velocity") == 0)
		return SIM_FLOW_VELOCITY;
	if (strcmp(name, "flow_unit") == 0)
		return SIM_FLOW_FLOW_CODE;
	if (strncmp(name, "total", 5) != 0)
		return SIM_FLOW_ZERO;
	if (ends_with(name, "_unit"))
		return SIM_FLOW_TOTAL_CODE;
	if (ends_with(name, "_int"))
		return SIM_FLOW_TOTAL_INT;
	if (ends_with(name, "_frac"))
		return SIM_FLOW_TOTAL_FRAC;
	return SIM_FLOW_TOTAL;
}

/* The unit of a flow (@want CAL_Q_FLOW) or total quantity: its text, else @dflt. */
static int quantity_unit(enum cal_unit *out, const struct cal_mb_map *m,
			 const struct cal_mb_quantity *q, enum cal_quantity want,
			 enum cal_unit dflt)
{
	if (!q->unit[0]) {
		*out = dflt;
		return CAL_OK;
	}
	if (cal_unit_parse(out, q->unit) != CAL_OK || cal_unit_quantity(*out) != want)
		return cal_error_set(CAL_ERR_CONFIG,
				     "simulator: map \"%s\", quantity \"%s\": unit \"%s\" is not "
				     "a unit of %s",
				     m->name, q->name, q->unit,
				     want == CAL_Q_FLOW ? "flow" : "volume");
	return CAL_OK;
}

static int unit_code(double *code, enum cal_unit u, bool flow, const char *map, const char *q)
{
	size_t n = flow ? sizeof(flow_codes) / sizeof(flow_codes[0])
			: sizeof(total_codes) / sizeof(total_codes[0]);

	for (size_t i = 0; i < n; i++) {
		if ((flow ? flow_codes[i].unit : total_codes[i].unit) == u) {
			*code = flow ? flow_codes[i].code : total_codes[i].code;
			return CAL_OK;
		}
	}
	return cal_error_set(CAL_ERR_CONFIG,
			     "simulator: map \"%s\", quantity \"%s\": no unit code for %s (flow: "
			     "L/s, L/min, L/h, m3/s, m3/h; total: L, m3)",
			     map, q, cal_unit_symbol(u));
}

/*
 * Fill sim->plan from sim->map. The unit codes say the unit of the
 * quantity "flow" (of "total", else "total_int") when the map has it, else
 * the default unit.
 */
static int make_plan(struct cal_sim_flow *sim)
{
	const struct cal_mb_map *m = &sim->map;
	enum cal_unit flow_u = sim->cfg.flow_unit ? sim->cfg.flow_unit : CAL_UNIT_M3_H;
	enum cal_unit total_u = sim->cfg.total_unit ? sim->cfg.total_unit : CAL_UNIT_M3;
	enum cal_unit code_flow_u = flow_u, code_total_u = total_u;
	int rc;

	for (size_t i = 0; i < m->n; i++) {
		const struct cal_mb_quantity *q = &m->q[i];
		struct sim_flow_plan *p = &sim->plan[i];

		p->role = role_of(q->name);
		p->unit = CAL_UNIT_NONE;
		p->code = 0;
		switch (p->role) {
		case SIM_FLOW_FLOW:
			rc = quantity_unit(&p->unit, m, q, CAL_Q_FLOW, flow_u);
			code_flow_u = p->unit;
			break;
		case SIM_FLOW_TOTAL:
		case SIM_FLOW_TOTAL_INT:
		case SIM_FLOW_TOTAL_FRAC:
			rc = quantity_unit(&p->unit, m, q, CAL_Q_VOLUME, total_u);
			if (strcmp(q->name, "total") == 0 ||
			    (strcmp(q->name, "total_int") == 0 && !cal_mb_map_quantity(m, "total")))
				code_total_u = p->unit;
			break;
		case SIM_FLOW_VELOCITY:
			rc = CAL_OK;
			if (q->unit[0] && strcmp(q->unit, "m/s") != 0)
				rc = cal_error_set(CAL_ERR_CONFIG,
						   "simulator: map \"%s\": velocity in \"%s\", not "
						   "m/s",
						   m->name, q->unit);
			break;
		default:
			rc = CAL_OK;
			break;
		}
		if (rc != CAL_OK)
			return rc;
	}
	for (size_t i = 0; i < m->n; i++) {
		struct sim_flow_plan *p = &sim->plan[i];

		rc = CAL_OK;
		if (p->role == SIM_FLOW_FLOW_CODE)
			rc = unit_code(&p->code, code_flow_u, true, m->name, m->q[i].name);
		else if (p->role == SIM_FLOW_TOTAL_CODE)
			rc = unit_code(&p->code, code_total_u, false, m->name, m->q[i].name);
		if (rc != CAL_OK)
			return rc;
	}
	return CAL_OK;
}

/* The span of the registers of function @fn: the mapping's table. */
static void table_span(struct sim_flow_table *t, const struct cal_mb_map *m,
		       enum cal_mb_function fn)
{
	unsigned lo = 65536, hi = 0;

	for (size_t i = 0; i < m->n; i++) {
		unsigned a = m->q[i].address, end = a + cal_mb_type_regs(m->q[i].type);

		if (m->q[i].function != fn)
			continue;
		if (a < lo)
			lo = a;
		if (end > hi)
			hi = end;
	}
	t->start = lo < hi ? (uint16_t)lo : 0;
	t->n = lo < hi ? (int)(hi - lo) : 0;
}

bool sim_flow_registers_exist(const struct cal_sim_flow *sim, int fn, unsigned addr, unsigned nb)
{
	for (unsigned r = addr; r < addr + nb; r++) {
		bool found = false;

		for (size_t i = 0; i < sim->map.n && !found; i++) {
			const struct cal_mb_quantity *q = &sim->map.q[i];

			found = (int)q->function == fn && r >= q->address &&
				r < q->address + cal_mb_type_regs(q->type);
		}
		if (!found)
			return false;
	}
	return true;
}

/* ---- values into the mapping ---------------------------------------------------- */

/* The value of quantity @i now: @flow_m3s reading, @total_m3 totalizer. */
static double value_of(const struct cal_sim_flow *sim, size_t i, double flow_m3s, double total_m3)
{
	const struct sim_flow_plan *p = &sim->plan[i];
	double t;

	switch (p->role) {
	case SIM_FLOW_FLOW:
		return flow_m3s / cal_unit_si_factor(p->unit);
	case SIM_FLOW_VELOCITY:
		return flow_m3s / (M_PI * SIM_FLOW_DN_M * SIM_FLOW_DN_M / 4.0);
	case SIM_FLOW_TOTAL:
		return total_m3 / cal_unit_si_factor(p->unit);
	case SIM_FLOW_TOTAL_INT:
		return floor(total_m3 / cal_unit_si_factor(p->unit));
	case SIM_FLOW_TOTAL_FRAC:
		t = total_m3 / cal_unit_si_factor(p->unit);
		return t - floor(t);
	case SIM_FLOW_FLOW_CODE:
	case SIM_FLOW_TOTAL_CODE:
		return p->code;
	case SIM_FLOW_ZERO:
		break;
	}
	return 0;
}

void sim_flow_update_locked(struct cal_sim_flow *sim, int64_t now_ms)
{
	double flow, total;

	sim_flow_model_advance(&sim->model, now_ms);
	flow = sim_flow_model_reading(&sim->model);
	total = sim->model.total_m3;
	for (size_t i = 0; i < sim->map.n; i++) {
		const struct cal_mb_quantity *q = &sim->map.q[i];
		const struct sim_flow_table *t =
			q->function == CAL_MB_INPUT ? &sim->input : &sim->hold;
		uint16_t *tab = q->function == CAL_MB_INPUT ? sim->mapping->tab_input_registers
							    : sim->mapping->tab_registers;
		size_t n = cal_mb_type_regs(q->type);
		uint16_t regs[4];

		if (cal_mb_quantity_encode(regs, n, q, value_of(sim, i, flow, total)) != CAL_OK) {
			if (!(sim->warned & (1u << i)))
				log_warn("%s (the value is left as it was)", cal_error_last());
			sim->warned |= 1u << i;
			continue;
		}
		memcpy(tab + (q->address - t->start), regs, n * sizeof(regs[0]));
	}
}

/* ---- life cycle ------------------------------------------------------------------- */

int cal_sim_flow_new(struct cal_sim_flow **out, const struct cal_sim_flow_cfg *cfg)
{
	struct cal_sim_flow_cfg def;
	const struct cal_mb_map *map;
	struct cal_sim_flow *sim;
	char names[160];
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "simulator: no out pointer");
	*out = NULL;
	if (!cfg) {
		cal_sim_flow_cfg_default(&def);
		cfg = &def;
	}
	rc = check_cfg(cfg);
	if (rc != CAL_OK)
		return rc;
	map = cfg->map;
	if (!map) {
		char preset[sizeof(cfg->preset)];

		snprintf(preset, sizeof(preset), "%.*s", (int)sizeof(cfg->preset) - 1, cfg->preset);
		map = cal_mb_preset_find(preset);
		if (!map) {
			preset_names(names, sizeof(names));
			return cal_error_set(CAL_ERR_ARG,
					     "simulator: no register map preset \"%s\" (%s)",
					     preset, names);
		}
	}
	if (cal_mb_map_check(map) != CAL_OK)
		return cal_error_prefix(CAL_ERR_CONFIG, "simulator: ");
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return cal_error_set(CAL_ERR_NOMEM, "simulator: out of memory");
	sim->cfg = *cfg;
	sim->t_start_ms = cal_mono_ms();
	sim->map = *map;
	sim->cfg.map = NULL; /* the caller's may go away; ours is sim->map */
	snprintf(sim->cfg.preset, sizeof(sim->cfg.preset), "%s", sim->map.name);
	rc = make_plan(sim);
	if (rc != CAL_OK) {
		free(sim);
		return rc;
	}
	table_span(&sim->hold, &sim->map, CAL_MB_HOLDING);
	table_span(&sim->input, &sim->map, CAL_MB_INPUT);
	sim->mapping =
		modbus_mapping_new_start_address(0, 0, 0, 0, sim->hold.start, (unsigned)sim->hold.n,
						 sim->input.start, (unsigned)sim->input.n);
	if (!sim->mapping) {
		free(sim);
		return cal_error_set(CAL_ERR_NOMEM, "simulator: modbus_mapping_new: %s",
				     strerror(errno));
	}
	pthread_mutex_init(&sim->lock, NULL);
	sim_flow_model_init(&sim->model, cfg->q_m3h / SIM_FLOW_M3H, cfg->tau_ms, cfg->noise,
			    cfg->seed, sim_flow_now(sim));
	sim->exc_code = MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE;
	sim_link_init(&sim->link);
	atomic_init(&sim->stop, false);
	atomic_init(&sim->running, false);
	pthread_mutex_lock(&sim->lock);
	sim_flow_update_locked(sim, sim_flow_now(sim));
	pthread_mutex_unlock(&sim->lock);
	*out = sim;
	return CAL_OK;
}

const struct cal_mb_map *cal_sim_flow_map(const struct cal_sim_flow *sim)
{
	return sim ? &sim->map : NULL;
}

static int listen_check(struct cal_sim_flow *sim)
{
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "listen: NULL simulator");
	if (sim->have_thread || sim->link.kind != SIM_LINK_NONE)
		return cal_error_set(CAL_ERR_STATE, "simulator is already listening");
	return CAL_OK;
}

/* libmodbus timeouts of the server context; see sim_flow_server.c. */
static void ctx_timeouts(modbus_t *ctx)
{
	/* RTU: the wait for another slave's reply after a request not for us */
	modbus_set_response_timeout(ctx, 0, 3000);
	/* between two bytes of one request */
	modbus_set_byte_timeout(ctx, 0, 100000);
	/* we poll() first; this only bounds a spurious wake-up */
	modbus_set_indication_timeout(ctx, 0, 100000);
}

int cal_sim_flow_listen_rtu(struct cal_sim_flow *sim, char *path_out, size_t size)
{
	int rc = listen_check(sim);

	if (rc != CAL_OK)
		return rc;
	if (!path_out || size == 0)
		return cal_error_set(CAL_ERR_ARG, "listen rtu: NULL argument");
	rc = sim_link_open_pty(&sim->link);
	if (rc != CAL_OK)
		return rc;
	if (strlen(sim->link.path) >= size) {
		rc = cal_error_set(CAL_ERR_ARG, "listen rtu: path buffer of %zu bytes too small",
				   size);
		goto fail;
	}
	/* modbus_connect() is never called: libmodbus gets our pty master as its fd */
	sim->ctx = modbus_new_rtu(sim->link.path, sim->cfg.baud, sim->cfg.parity,
				  sim->cfg.data_bits, sim->cfg.stop_bits);
	if (!sim->ctx) {
		rc = cal_error_set(CAL_ERR_IO, "modbus_new_rtu: %s", modbus_strerror(errno));
		goto fail;
	}
	if (modbus_set_slave(sim->ctx, sim->cfg.unit_id) != 0 ||
	    modbus_set_socket(sim->ctx, sim->link.master_fd) != 0) {
		rc = cal_error_set(CAL_ERR_IO, "modbus_set_slave/socket: %s",
				   modbus_strerror(errno));
		goto fail;
	}
	ctx_timeouts(sim->ctx);
	memcpy(path_out, sim->link.path, strlen(sim->link.path) + 1);
	return CAL_OK;
fail:
	if (sim->ctx)
		modbus_free(sim->ctx);
	sim->ctx = NULL;
	sim_link_close(&sim->link);
	sim_link_init(&sim->link);
	return rc;
}

int cal_sim_flow_listen_tcp(struct cal_sim_flow *sim, const char *host, int port, int *bound_port)
{
	int rc = listen_check(sim);

	if (rc != CAL_OK)
		return rc;
	rc = sim_link_open_tcp(&sim->link, host, port);
	if (rc != CAL_OK)
		return rc;
	/* a server context: libmodbus never listens nor connects, it gets each client's fd */
	sim->ctx = modbus_new_tcp(NULL, sim->link.port);
	if (!sim->ctx) {
		rc = cal_error_set(CAL_ERR_IO, "modbus_new_tcp: %s", modbus_strerror(errno));
		sim_link_close(&sim->link);
		sim_link_init(&sim->link);
		return rc;
	}
	modbus_set_socket(sim->ctx, -1);
	ctx_timeouts(sim->ctx);
	if (bound_port)
		*bound_port = sim->link.port;
	return CAL_OK;
}

int cal_sim_flow_start(struct cal_sim_flow *sim)
{
	int err;

	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "start: NULL simulator");
	if (sim->have_thread)
		return cal_error_set(CAL_ERR_STATE, "simulator already running");
	if (sim->link.kind == SIM_LINK_NONE || !sim->ctx)
		return cal_error_set(CAL_ERR_STATE, "simulator is not listening");
	atomic_store(&sim->stop, false);
	atomic_store(&sim->running, true);
	err = pthread_create(&sim->thread, NULL, sim_flow_serve, sim);
	if (err != 0) {
		atomic_store(&sim->running, false);
		return cal_error_set(CAL_ERR, "pthread_create: %s", strerror(err));
	}
	sim->have_thread = true;
	return CAL_OK;
}

void cal_sim_flow_stop(struct cal_sim_flow *sim)
{
	if (!sim || !sim->have_thread)
		return;
	atomic_store(&sim->stop, true);
	pthread_join(sim->thread, NULL);
	sim->have_thread = false;
	atomic_store(&sim->running, false);
	if (sim->link.kind == SIM_LINK_TCP) {
		modbus_set_socket(sim->ctx, -1);
		sim_link_drop_client(&sim->link);
	}
	pthread_mutex_lock(&sim->lock);
	sim->client = false;
	pthread_mutex_unlock(&sim->lock);
}

void cal_sim_flow_free(struct cal_sim_flow *sim)
{
	if (!sim)
		return;
	cal_sim_flow_stop(sim);
	if (sim->ctx) {
		modbus_set_socket(sim->ctx, -1); /* the fds are the link's */
		modbus_free(sim->ctx);
	}
	sim_link_close(&sim->link);
	modbus_mapping_free(sim->mapping);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}

/* ---- setters, faults, state --------------------------------------------------------- */

int cal_sim_flow_set_flow(struct cal_sim_flow *sim, double q_m3h)
{
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "set_flow: NULL simulator");
	if (!isfinite(q_m3h) || q_m3h < 0 || q_m3h > Q_MAX_M3H)
		return cal_error_set(CAL_ERR_ARG, "flow: the setpoint must be 0..%g m3/h",
				     Q_MAX_M3H);
	pthread_mutex_lock(&sim->lock);
	sim_flow_model_set_sp(&sim->model, q_m3h / SIM_FLOW_M3H, sim_flow_now(sim));
	pthread_mutex_unlock(&sim->lock);
	return CAL_OK;
}

int cal_sim_flow_set_noise(struct cal_sim_flow *sim, double fraction)
{
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "set_noise: NULL simulator");
	if (!isfinite(fraction) || fraction < 0 || fraction > 1)
		return cal_error_set(CAL_ERR_ARG, "noise: a fraction of the flow, 0..1");
	pthread_mutex_lock(&sim->lock);
	sim_flow_model_advance(&sim->model, sim_flow_now(sim));
	sim->model.noise = fraction;
	pthread_mutex_unlock(&sim->lock);
	return CAL_OK;
}

int cal_sim_flow_fault(struct cal_sim_flow *sim, enum cal_sim_flow_fault f, int count, int code)
{
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "fault: NULL simulator");
	if ((unsigned)f > CAL_SIM_FLOW_FAULT_SLAVE)
		return cal_error_set(CAL_ERR_ARG, "fault: unknown kind %d", (int)f);
	if (f == CAL_SIM_FLOW_FAULT_EXCEPTION && (code < 0 || code >= MODBUS_EXCEPTION_MAX))
		return cal_error_set(CAL_ERR_ARG, "fault exception: code %d is not 1..%d", code,
				     MODBUS_EXCEPTION_MAX - 1);
	pthread_mutex_lock(&sim->lock);
	if (f == CAL_SIM_FLOW_FAULT_NONE || count <= 0) {
		sim->fault = CAL_SIM_FLOW_FAULT_NONE;
		sim->fault_count = 0;
	} else {
		sim->fault = f;
		sim->fault_count = count;
		if (f == CAL_SIM_FLOW_FAULT_EXCEPTION)
			sim->exc_code = code ? code : MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE;
	}
	pthread_mutex_unlock(&sim->lock);
	return CAL_OK;
}

static void state_locked(struct cal_sim_flow *sim, struct cal_sim_flow_state *out)
{
	sim_flow_model_advance(&sim->model, sim_flow_now(sim));
	out->flow_m3h = sim_flow_model_reading(&sim->model) * SIM_FLOW_M3H;
	out->true_flow_m3h = sim->model.q_m3s * SIM_FLOW_M3H;
	out->setpoint_m3h = sim->model.sp_m3s * SIM_FLOW_M3H;
	out->total_m3 = sim->model.total_m3;
	out->noise = sim->model.noise;
	out->fault = sim->fault;
	out->fault_count = sim->fault_count;
	out->exception_code = sim->fault == CAL_SIM_FLOW_FAULT_EXCEPTION ? sim->exc_code : 0;
	out->requests = sim->n_requests;
	out->replies = sim->n_replies;
	out->ignored = sim->n_ignored;
	out->errors = sim->n_errors;
	out->client = sim->client;
}

void cal_sim_flow_state(struct cal_sim_flow *sim, struct cal_sim_flow_state *out)
{
	if (!sim || !out)
		return;
	pthread_mutex_lock(&sim->lock);
	state_locked(sim, out);
	pthread_mutex_unlock(&sim->lock);
}

void cal_sim_flow_status(struct cal_sim_flow *sim, char *buf, size_t size)
{
	struct cal_sim_flow_state st;
	char q[48], sp[48], total[48], noise[48], link[96];
	size_t n;

	if (!buf || size == 0)
		return;
	buf[0] = '\0';
	if (!sim)
		return;
	cal_sim_flow_state(sim, &st);
	cal_num_format_sig(q, sizeof(q), st.flow_m3h, 7);
	cal_num_format_sig(sp, sizeof(sp), st.setpoint_m3h, 7);
	cal_num_format(total, sizeof(total), st.total_m3, 6);
	cal_num_format_sig(noise, sizeof(noise), st.noise, 6);
	/* kind, path and port are set by listen and never change while serving */
	if (sim->link.kind == SIM_LINK_PTY)
		snprintf(link, sizeof(link), "rtu:%s", sim->link.path);
	else if (sim->link.kind == SIM_LINK_TCP)
		snprintf(link, sizeof(link), "tcp:%d:%s", sim->link.port,
			 st.client ? "client" : "waiting");
	else
		snprintf(link, sizeof(link), "none");
	n = sim_put(buf, size, "flow=%s m3/h sp=%s m3/h total=%s m3 noise=%s fault=%s", q, sp,
		    total, noise, fault_names[st.fault]);
	if (st.fault != CAL_SIM_FLOW_FAULT_NONE)
		n += sim_put(buf + n, size - n, ":%d", st.fault_count);
	if (st.fault == CAL_SIM_FLOW_FAULT_EXCEPTION)
		n += sim_put(buf + n, size - n, ":%02X", (unsigned)st.exception_code);
	sim_put(buf + n, size - n,
		" requests=%lu replies=%lu ignored=%lu errors=%lu map=%s unit-id=%d link=%s%s",
		st.requests, st.replies, st.ignored, st.errors, sim->map.name, sim->cfg.unit_id,
		link, atomic_load(&sim->running) ? "" : " (stopped)");
}

/* ---- text control ------------------------------------------------------------------- */

static const char help_text[] =
	"fault exception [n] [code] | fault crc|silence|slave [n] | fault none | "
	"flow <q> [unit] (setpoint, m3/h unless a flow unit follows) | "
	"noise <fraction> | status | help";

static int ctl_fault(struct cal_sim_flow *sim, char **w, int nw)
{
	enum cal_sim_flow_fault f = CAL_SIM_FLOW_FAULT_NONE;
	int count = 1, code = 0, rc;
	bool found = false;

	if (nw < 2)
		return cal_error_set(CAL_ERR_ARG,
				     "fault: which one? (exception, crc, silence, slave, none)");
	for (int k = 0; k <= CAL_SIM_FLOW_FAULT_SLAVE; k++) {
		if (strcmp(w[1], fault_names[k]) == 0) {
			f = (enum cal_sim_flow_fault)k;
			found = true;
		}
	}
	if (!found)
		return cal_error_set(
			CAL_ERR_ARG,
			"fault '%.40s': unknown (exception, crc, silence, slave, none)", w[1]);
	if (f == CAL_SIM_FLOW_FAULT_NONE && nw != 2)
		return cal_error_set(CAL_ERR_ARG, "fault none: takes nothing more");
	if (nw > (f == CAL_SIM_FLOW_FAULT_EXCEPTION ? 4 : 3))
		return cal_error_set(CAL_ERR_ARG, "fault %s: expected at most %s", w[1],
				     f == CAL_SIM_FLOW_FAULT_EXCEPTION ? "a count and a code"
								       : "a count");
	if (nw >= 3 && (rc = sim_ctl_int(&count, w[2], "fault: count", 1, CTL_COUNT_MAX)) != CAL_OK)
		return rc;
	if (nw == 4 && (rc = sim_ctl_int(&code, w[3], "fault exception: code", 1,
					 MODBUS_EXCEPTION_MAX - 1)) != CAL_OK)
		return rc;
	return cal_sim_flow_fault(sim, f, f == CAL_SIM_FLOW_FAULT_NONE ? 0 : count, code);
}

static int ctl_flow(struct cal_sim_flow *sim, char **w, int nw)
{
	enum cal_unit u = CAL_UNIT_M3_H;
	double v;
	int rc;

	if (nw < 2 || nw > 3)
		return cal_error_set(CAL_ERR_ARG, "flow: expected a setpoint and maybe a unit");
	rc = sim_ctl_double(&v, w[1], "flow");
	if (rc != CAL_OK)
		return rc;
	if (nw == 3 && (cal_unit_parse(&u, w[2]) != CAL_OK || cal_unit_quantity(u) != CAL_Q_FLOW))
		return cal_error_set(CAL_ERR_ARG,
				     "flow: '%.40s' is not a unit of flow (m3/h, m3/s, L/s, L/min, "
				     "L/h)",
				     w[2]);
	if (!(v >= 0))
		return cal_error_set(CAL_ERR_ARG, "flow '%s': must be >= 0", w[1]);
	return cal_sim_flow_set_flow(sim, v * cal_unit_si_factor(u) * SIM_FLOW_M3H);
}

int cal_sim_flow_control(struct cal_sim_flow *sim, const char *line, char *reply, size_t size)
{
	char buf[SIM_CTL_LINE_MAX];
	char *w[SIM_CTL_WORDS_MAX];
	int nw = 0, rc;
	double v;

	if (reply && size > 0)
		reply[0] = '\0';
	if (!sim || !line)
		return cal_error_set(CAL_ERR_ARG, "control: NULL argument");
	rc = sim_ctl_split(buf, line, w, &nw);
	if (rc != CAL_OK)
		return rc;
	if (strcmp(w[0], "status") == 0 && nw == 1) {
		if (reply && size > 0)
			cal_sim_flow_status(sim, reply, size);
		return CAL_OK;
	}
	if (strcmp(w[0], "help") == 0 && nw == 1) {
		if (reply && size > 0)
			snprintf(reply, size, "%s", help_text);
		return CAL_OK;
	}
	if (strcmp(w[0], "fault") == 0) {
		rc = ctl_fault(sim, w, nw);
	} else if (strcmp(w[0], "flow") == 0) {
		rc = ctl_flow(sim, w, nw);
	} else if (strcmp(w[0], "noise") == 0) {
		if (nw != 2)
			return cal_error_set(CAL_ERR_ARG, "noise: expected one fraction (0..1)");
		rc = sim_ctl_double(&v, w[1], "noise");
		if (rc == CAL_OK)
			rc = cal_sim_flow_set_noise(sim, v);
	} else {
		return cal_error_set(CAL_ERR_ARG, "unknown control command '%.40s' (try help)",
				     w[0]);
	}
	if (rc == CAL_OK && reply && size > 0)
		snprintf(reply, size, "ok");
	return rc;
}

int64_t sim_flow_now(const struct cal_sim_flow *sim)
{
	int64_t dt = cal_mono_ms() - sim->t_start_ms;

	return sim->t_start_ms + (int64_t)llround((double)dt * sim->cfg.speed);
}
