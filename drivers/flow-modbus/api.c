/*
 * modbus-flow: any flow meter that answers Modbus RTU or Modbus TCP, read
 * through libmodbus as its register map says (cal/modbus_map.h: a preset or a
 * map file from the bench file, never code).
 *
 * The link is libmodbus's own (the device's transport only carries the port
 * configuration). Values are assembled from the registers by our own decoder
 * (drivers/parsers/modbus_map.c): Debian's libmodbus 3.1.6 float helpers are
 * not used (protocols.md §6.2).
 *
 * Every request: the response timeout is the device's timeout_ms; a timeout,
 * a CRC error or a malformed reply is retried dev->retries times after a
 * flush; an exception reply is the meter's answer and is not retried; a
 * broken TCP connection is re-opened once. Messages name the instrument, the
 * register, the quantity and the port.
 *
 * Units: a quantity's unit is the map's text (cal_unit_parse); a quantity
 * without one takes it from a "<name>_unit" code register when the map has
 * one (Chinese converters: flow_unit, total_unit), else it is read without a
 * unit (E+H: the unit set on the meter).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modbus.h>

#include "cal/driver.h"
#include "cal/error.h"
#include "cal/log.h"
#include "cal/modbus_map.h"
#include "cal/units.h"

struct mb_priv {
	modbus_t *ctx;
	const struct cal_mb_map *map;
	char port[300]; /* for messages */
	bool tcp;
};

/* A quantity's registers as one block: itself, or NAME_int + NAME_frac. */
struct block {
	enum cal_mb_function fn;
	uint16_t start;
	int count;
	const struct cal_mb_quantity *q;    /* the quantity, or NAME_int */
	const struct cal_mb_quantity *frac; /* NAME_frac, or NULL */
	char what[96];			    /* "flow (f32 ABCD at 3002)" */
};

static int mb_connect(struct cal_device *dev, struct mb_priv *m)
{
	if (modbus_connect(m->ctx) == 0)
		return CAL_OK;
	return cal_error_set(errno == ETIMEDOUT ? CAL_ERR_TIMEOUT : CAL_ERR_IO,
			     "%s: cannot connect to %s: %s", dev->id, m->port,
			     modbus_strerror(errno));
}

static int mb_open(struct cal_device *dev)
{
	const struct cal_port_cfg *cfg = cal_transport_cfg(dev->tr);
	struct mb_priv *m;
	char service[16];
	int err;

	if (!dev->opts.map)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s: a modbus-flow meter needs its register map (preset: or "
				     "map: in the bench file)",
				     dev->id);
	if (cal_mb_map_check(dev->opts.map))
		return cal_error_prefix(CAL_ERR_CONFIG, "%s: ", dev->id);
	m = calloc(1, sizeof(*m));
	if (!m)
		return cal_error_set(CAL_ERR_NOMEM, "%s: out of memory", dev->id);
	m->map = dev->opts.map;
	cal_port_cfg_describe(m->port, sizeof(m->port), cfg);
	if (cfg->kind == CAL_PORT_MODBUS_TCP) {
		snprintf(service, sizeof(service), "%d", cfg->tcp_port);
		m->ctx = modbus_new_tcp_pi(cfg->host, service);
		m->tcp = true;
	} else {
		m->ctx = modbus_new_rtu(cfg->path, cfg->baud, cfg->parity, cfg->data_bits,
					cfg->stop_bits);
	}
	if (!m->ctx) {
		err = cal_error_set(CAL_ERR_ARG, "%s: libmodbus refused %s: %s", dev->id, m->port,
				    modbus_strerror(errno));
		goto fail;
	}
	if (modbus_set_slave(m->ctx, dev->opts.unit_id ? dev->opts.unit_id : 1) != 0) {
		err = cal_error_set(CAL_ERR_ARG, "%s: unit id %d: %s", dev->id, dev->opts.unit_id,
				    modbus_strerror(errno));
		goto fail;
	}
	err = mb_connect(dev, m);
	if (err)
		goto fail;
	dev->priv = m;
	return CAL_OK;
fail:
	if (m->ctx)
		modbus_free(m->ctx);
	free(m);
	return err;
}

static void mb_close(struct cal_device *dev)
{
	struct mb_priv *m = dev->priv;

	if (!m)
		return;
	modbus_close(m->ctx);
	modbus_free(m->ctx);
	free(m);
	dev->priv = NULL;
}

/* Which of our errors a failed libmodbus call is; *retry when another attempt may help. */
static int classify(int e, bool *retry, bool *reconnect)
{
	*retry = false;
	*reconnect = false;
	if (e >= EMBXILFUN && e <= EMBXGTAR)
		return CAL_ERR_DEVICE; /* an exception reply: the meter's answer */
	if (e == ETIMEDOUT) {
		*retry = true;
		return CAL_ERR_TIMEOUT;
	}
	if (e == EMBBADCRC || e == EMBBADDATA || e == EMBBADEXC || e == EMBMDATA ||
	    e == EMBBADSLAVE || e == EMBUNKEXC) {
		*retry = true;
		return CAL_ERR_PROTO;
	}
	if (e == ECONNRESET || e == EPIPE || e == EBADF || e == ECONNREFUSED) {
		*retry = true;
		*reconnect = true;
		return CAL_ERR_IO;
	}
	return CAL_ERR_IO;
}

static int read_block(uint16_t *regs, struct cal_device *dev, const struct block *b)
{
	struct mb_priv *m = dev->priv;
	int attempts = 1 + (dev->retries > 0 ? dev->retries : 0);
	int rc = CAL_OK, e = 0, got;
	bool retry = false, reconnect = false, reconnected = false;

	for (int i = 0; i < attempts; i++) {
		int ms = dev->timeout_ms > 0 ? dev->timeout_ms : 2000;

		modbus_set_response_timeout(m->ctx, (uint32_t)(ms / 1000),
					    (uint32_t)(ms % 1000) * 1000);
		if (b->fn == CAL_MB_INPUT)
			got = modbus_read_input_registers(m->ctx, b->start, b->count, regs);
		else
			got = modbus_read_registers(m->ctx, b->start, b->count, regs);
		if (got == b->count)
			return CAL_OK;
		e = got < 0 ? errno : EMBBADDATA;
		rc = classify(e, &retry, &reconnect);
		log_dbg("%s: %s: attempt %d: %s", dev->id, b->what, i + 1, modbus_strerror(e));
		if (!retry)
			break;
		modbus_flush(m->ctx);
		if (reconnect && !reconnected && m->tcp) {
			reconnected = true;
			modbus_close(m->ctx);
			if (mb_connect(dev, m) != CAL_OK)
				break;
		}
	}
	if (rc == CAL_ERR_DEVICE)
		return cal_error_set(rc, "%s: %s on %s: the meter answered exception %d (%s)",
				     dev->id, b->what, m->port, e - MODBUS_ENOBASE,
				     modbus_strerror(e));
	if (rc == CAL_ERR_TIMEOUT)
		return cal_error_set(rc, "%s: %s on %s: no answer within %d ms, %d attempts",
				     dev->id, b->what, m->port, dev->timeout_ms, attempts);
	return cal_error_set(rc, "%s: %s on %s: %s (%d attempts)", dev->id, b->what, m->port,
			     modbus_strerror(e), attempts);
}

/* The registers that hold quantity @name: itself, or NAME_int and NAME_frac. */
static int find_block(struct block *b, const struct cal_mb_map *map, const char *name,
		      const char *id)
{
	const struct cal_mb_quantity *q = cal_mb_map_quantity(map, name);
	char alt[40];

	memset(b, 0, sizeof(*b));
	if (q) {
		b->q = q;
		b->fn = q->function;
		b->start = q->address;
		b->count = (int)cal_mb_type_regs(q->type);
		snprintf(b->what, sizeof(b->what), "%s (%s %s at %u)", q->name,
			 cal_mb_type_name(q->type), cal_mb_order_name(q->order), q->address);
		return CAL_OK;
	}
	snprintf(alt, sizeof(alt), "%s_int", name);
	q = cal_mb_map_quantity(map, alt);
	snprintf(alt, sizeof(alt), "%s_frac", name);
	if (q) {
		const struct cal_mb_quantity *f = cal_mb_map_quantity(map, alt);
		unsigned lo, hi;

		if (f && f->function == q->function) {
			lo = q->address < f->address ? q->address : f->address;
			hi = q->address + cal_mb_type_regs(q->type);
			if (f->address + cal_mb_type_regs(f->type) > hi)
				hi = f->address + cal_mb_type_regs(f->type);
			if (hi - lo <= CAL_MB_READ_MAX) {
				b->q = q;
				b->frac = f;
				b->fn = q->function;
				b->start = (uint16_t)lo;
				b->count = (int)(hi - lo);
				snprintf(b->what, sizeof(b->what), "%s (%s_int + %s_frac at %u)",
					 name, name, name, lo);
				return CAL_OK;
			}
		}
	}
	{
		char names[256];
		size_t len = 0;

		names[0] = '\0';
		for (size_t i = 0; i < map->n && len < sizeof(names); i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						i ? ", " : "", map->q[i].name);
		return cal_error_set(CAL_ERR_NOTFOUND,
				     "%s: map %s has no quantity '%s' (it has: %s)", id, map->name,
				     name, names);
	}
}

/* Chinese converters' unit codes (protocols.md §5.4). */
static enum cal_unit unit_from_code(const char *name, int code)
{
	static const enum cal_unit flow[] = { CAL_UNIT_L_S,  CAL_UNIT_L_MIN, CAL_UNIT_L_H,
					      CAL_UNIT_M3_S, CAL_UNIT_NONE,  CAL_UNIT_M3_H };
	static const enum cal_unit total[] = { CAL_UNIT_L, CAL_UNIT_M3 };

	if (strcmp(name, "flow") == 0 && code >= 0 && code < 6)
		return flow[code];
	if (strcmp(name, "total") == 0 && code >= 0 && code < 2)
		return total[code];
	return CAL_UNIT_NONE;
}

/* The unit of quantity @name: the map's text, or its "<name>_unit" code register. */
static int quantity_unit(enum cal_unit *u, struct cal_device *dev, const struct block *b,
			 const char *name)
{
	struct mb_priv *m = dev->priv;
	struct block ub;
	uint16_t reg[4];
	char un[40];
	double code;
	int err;

	*u = CAL_UNIT_NONE;
	if (b->q->unit[0]) {
		if (cal_unit_parse(u, b->q->unit))
			return cal_error_set(CAL_ERR_CONFIG, "%s: map %s: unknown unit '%s' of %s",
					     dev->id, m->map->name, b->q->unit, name);
		return CAL_OK;
	}
	snprintf(un, sizeof(un), "%s_unit", name);
	if (!cal_mb_map_quantity(m->map, un))
		return CAL_OK; /* shown in the unit set on the meter */
	err = find_block(&ub, m->map, un, dev->id);
	if (!err)
		err = read_block(reg, dev, &ub);
	if (!err)
		err = cal_mb_quantity_decode(&code, ub.q, reg, (size_t)ub.count);
	if (err)
		return err;
	*u = unit_from_code(name, (int)code);
	if (*u == CAL_UNIT_NONE)
		return cal_error_set(CAL_ERR_DEVICE, "%s: %s reads unit code %g, not one we know",
				     dev->id, un, code);
	return CAL_OK;
}

/* Digits a value of this type and scale carries after the point. */
static int decimals_for(double v, const struct cal_mb_quantity *q)
{
	int sig = q->type == CAL_MB_F32 ? 7 : q->type == CAL_MB_F64 ? 12 : 0;
	int d;

	if (!sig) /* an integer count of scale */
		return q->scale < 1 ? (int)lround(-log10(q->scale)) : 0;
	if (v == 0 || !isfinite(v))
		return sig - 1;
	d = sig - 1 - (int)floor(log10(fabs(v)));
	return d < 0 ? 0 : d > 12 ? 12 : d;
}

static int mb_read_quantity(struct cal_reading *out, struct cal_device *dev, const char *name)
{
	struct mb_priv *m = dev->priv;
	struct block b;
	uint16_t regs[CAL_MB_READ_MAX];
	double v;
	size_t len = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = find_block(&b, m->map, name, dev->id);
	if (!err)
		err = read_block(regs, dev, &b);
	if (err)
		return err;
	err = cal_mb_map_read(&v, m->map, name, b.fn, b.start, regs, (size_t)b.count);
	if (err)
		return cal_error_prefix(CAL_ERR_PROTO, "%s: %s: ", dev->id, b.what);
	len = (size_t)snprintf(out->raw, sizeof(out->raw),
			       "%s %u:", b.fn == CAL_MB_INPUT ? "IR" : "HR", b.start);
	for (int i = 0; i < b.count && len < sizeof(out->raw); i++)
		len += (size_t)snprintf(out->raw + len, sizeof(out->raw) - len, " %04X", regs[i]);
	if (!isfinite(v))
		return cal_error_set(CAL_ERR_DEVICE,
				     "%s: %s reads %s: the meter reports an alarm (E+H: NaN on "
				     "alarm)",
				     dev->id, b.what, isnan(v) ? "NaN" : "infinity");
	err = quantity_unit(&out->unit, dev, &b, name);
	if (err)
		return err;
	out->value = v;
	/* no unit in the map (E+H: the one set on the meter): no SI value either */
	out->value_si = out->unit != CAL_UNIT_NONE ? v * cal_unit_si_factor(out->unit) : NAN;
	/* an integer part plus a float fraction shows the fraction's digits */
	out->decimals = decimals_for(v, b.frac ? b.frac : b.q);
	out->flags = CAL_RD_STABLE; /* a meter value carries no stability flag */
	out->t_mono_ms = cal_mono_ms();
	return CAL_OK;
}

static int mb_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	(void)mode;
	return mb_read_quantity(out, dev, "flow");
}

static int mb_identify(struct cal_dev_info *out, struct cal_device *dev)
{
	struct mb_priv *m = dev->priv;

	snprintf(out->model, sizeof(out->model), "Modbus meter, map %s", m->map->name);
	return CAL_OK;
}

const struct cal_driver cal_driver_modbus_flow = {
	.name = "modbus-flow",
	.longname = "Flow meter over Modbus RTU/TCP (register map from a preset or file)",
	.dclass = CAL_DEV_FLOW,
	.api_version = CAL_DRIVER_API_VERSION,
	.flags = CAL_DRV_MODBUS,
	.default_serial = "19200/8E1",
	.open = mb_open,
	.close = mb_close,
	.identify = mb_identify,
	.read = mb_read,
	.read_quantity = mb_read_quantity,
};
