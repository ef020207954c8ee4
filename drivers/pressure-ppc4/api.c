/*
 * DH Instruments / Fluke PPC4 pressure controllers (and the RPM4 family),
 * "enhanced" syntax over RS-232: the driver ops. Bytes:
 * docs/pressure-dialects.md §3.
 *
 *	open      UNIT? -> the unit, MMODE? -> absolute or gauge
 *	identify  *IDN? -> maker, model, range, serial, ...
 *	read      PRR? -> R|NR, pressure unit[a|g], rate, atmosphere
 *	setpoint  PS <p> -> the target echoed, or ERR# 6 (out of range)
 *	control   on: nothing (PS starts control); off: ABORT
 *	vent      VENT
 *
 * Every message gets exactly one reply on RS-232, errors as "ERR# n"
 * instead of it; nothing is sent before the previous reply came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "ppc4"
#include "cal/error.h"
#include "cal/log.h"
#include "cal/units.h"

#include "../pressure/exchange.h"

/* PR?, PRR?, SR? may take up to 2.0 s (PPC4 manual p.139). */
#define PPC4_SLOW_MS 2500

struct ppc4_ctx {
	enum cal_unit unit; /* UNIT? */
	char mode;	    /* 'a' or 'g' (MMODE?) */
};

static const struct prs_dialect ppc4 = {
	.name = "PPC4",
	.parse = cal_ppc4_parse,
	.eol = "\r\n",
};

/* PPC2 AF manual p.58 (same family); the codes a bench meets. */
static const char *error_text(int code)
{
	switch (code) {
	case 6:
		return "numeric argument missing or out of range";
	case 7:
		return "missing or improper command argument";
	case 9:
		return "unknown command";
	case 11:
		return "command missing argument";
	case 12:
		return "system overpressured";
	case 13:
		return "text detected in numeric field";
	case 22:
		return "pressure is not stable";
	default:
		return "see the manual's error list";
	}
}

/* PRR?: "R," or "NR," first, or an error; a late reply to PS or UNIT? is skipped. */
static bool want_prr(const struct cal_prs_reply *r, const void *arg)
{
	(void)arg;
	return r->error || (r->nfield >= 2 && (strcmp(r->field[0].text, "R") == 0 ||
					       strcmp(r->field[0].text, "NR") == 0));
}

/*
 * What each answer looks like (an ERR# reply always counts), so that a late
 * answer to an earlier command is skipped instead of taken for this one.
 */
static bool want_unit(const struct cal_prs_reply *r, const void *arg)
{
	enum cal_unit u;

	(void)arg;
	return r->error || cal_ppc4_unit_parse(&u, r->payload) == CAL_OK;
}

static bool want_mode(const struct cal_prs_reply *r, const void *arg)
{
	(void)arg;
	return r->error || strcmp(r->payload, "A") == 0 || strcmp(r->payload, "G") == 0;
}

static bool want_idn(const struct cal_prs_reply *r, const void *arg)
{
	(void)arg;
	return r->error || (r->nfield >= 2 && !r->field[0].number);
}

/* PS: the target echoed with its unit. */
static bool want_target(const struct cal_prs_reply *r, const void *arg)
{
	(void)arg;
	return r->error ||
	       (r->nfield == 1 && r->field[0].number && r->field[0].unit != CAL_UNIT_NONE);
}

/* ABORT, VENT: the command echoed. */
static bool want_echo(const struct cal_prs_reply *r, const void *arg)
{
	return r->error || strcmp(r->payload, (const char *)arg) == 0;
}

/* One exchange; an ERR# reply becomes CAL_ERR_DEVICE naming the command. */
static int ask_want(struct prs_answer *a, struct cal_device *dev, const char *cmd, int wait_ms,
		    const char *what, prs_want_fn want)
{
	int rc = prs_query(a, dev, &ppc4, cmd, want, cmd, wait_ms);

	if (rc)
		return rc;
	if (a->r.error)
		return cal_error_set(CAL_ERR_DEVICE,
				     "%s: %s refused by the controller%s%s%s (ERR# %d, %s)",
				     dev->id, cmd, what ? ": " : "", what ? what : "",
				     what ? " is not accepted" : "", a->r.error_code,
				     error_text(a->r.error_code));
	return CAL_OK;
}

static int ppc4_open(struct cal_device *dev)
{
	struct ppc4_ctx *ctx;
	struct prs_answer a;
	int rc;

	rc = prs_alloc_priv(dev, sizeof(*ctx));
	if (rc)
		return rc;
	ctx = dev->priv;
	rc = ask_want(&a, dev, "UNIT?", dev->timeout_ms, NULL, want_unit);
	if (rc)
		goto fail;
	if (cal_ppc4_unit_parse(&ctx->unit, a.r.payload) != CAL_OK) {
		rc = cal_error_set(CAL_ERR_PROTO, "%s: unknown pressure unit in \"%s\"", dev->id,
				   a.raw);
		goto fail;
	}
	rc = ask_want(&a, dev, "MMODE?", dev->timeout_ms, NULL, want_mode);
	if (rc)
		goto fail;
	if (strcmp(a.r.payload, "A") != 0 && strcmp(a.r.payload, "G") != 0) {
		rc = cal_error_set(CAL_ERR_PROTO, "%s: MMODE? answered \"%s\", expected A or G",
				   dev->id, a.raw);
		goto fail;
	}
	ctx->mode = a.r.payload[0] == 'A' ? 'a' : 'g';
	return CAL_OK;
fail:
	prs_close(dev);
	return rc;
}

static int ppc4_identify(struct cal_dev_info *out, struct cal_device *dev)
{
	struct prs_answer a;
	int rc;

	rc = ask_want(&a, dev, "*IDN?", dev->timeout_ms, NULL, want_idn);
	if (rc)
		return rc;
	if (a.r.nfield < 2)
		return cal_error_set(CAL_ERR_PROTO, "%s: *IDN? answered \"%s\"", dev->id, a.raw);
	prs_fill_info(out, &a.r, 3, 5);
	return CAL_OK;
}

static int ppc4_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	const struct ppc4_ctx *ctx = dev->priv;
	const struct cal_prs_field *p;
	struct prs_answer a;
	bool ready;
	int rc;

	(void)mode;
	rc = ask_want(&a, dev, "PRR?",
		      PPC4_SLOW_MS > dev->timeout_ms ? PPC4_SLOW_MS : dev->timeout_ms, NULL,
		      want_prr);
	prs_copy(out->raw, sizeof(out->raw), a.raw);
	if (rc)
		return rc;
	p = &a.r.field[1];
	if (a.r.nfield < 2 ||
	    (strcmp(a.r.field[0].text, "R") != 0 && strcmp(a.r.field[0].text, "NR") != 0) ||
	    !p->number)
		return cal_error_set(CAL_ERR_PROTO,
				     "%s: PRR? answered \"%s\", expected R|NR,<pressure> <unit>",
				     dev->id, a.raw);
	ready = strcmp(a.r.field[0].text, "R") == 0;
	if (p->unit != CAL_UNIT_NONE && p->unit != ctx->unit)
		log_info("%s: the controller now shows %s (was %s)", dev->id,
			 cal_unit_symbol(p->unit), cal_unit_symbol(ctx->unit));
	prs_fill_reading(out, &a, p->value, p->decimals,
			 p->unit != CAL_UNIT_NONE ? p->unit : ctx->unit, ready);
	return CAL_OK;
}

static int ppc4_set_setpoint(struct cal_device *dev, double value, enum cal_unit unit)
{
	const struct ppc4_ctx *ctx = dev->priv;
	struct prs_setpoint sp;
	struct prs_answer a;
	int rc;

	rc = prs_setpoint_cmd(&sp, dev, "PS", value, unit, ctx->unit);
	if (rc)
		return rc;
	rc = ask_want(&a, dev, sp.cmd, dev->timeout_ms, sp.what, want_target);
	if (rc)
		return rc;
	if (a.r.nfield < 1 || !a.r.field[0].number)
		return cal_error_set(CAL_ERR_PROTO, "%s: %s answered \"%s\", expected the target",
				     dev->id, sp.cmd, a.raw);
	return CAL_OK;
}

static int ppc4_control(struct cal_device *dev, bool on)
{
	struct prs_answer a;

	if (on)
		return CAL_OK; /* PS starts control */
	return ask_want(&a, dev, "ABORT", dev->timeout_ms, NULL, want_echo);
}

static int ppc4_vent(struct cal_device *dev)
{
	struct prs_answer a;

	return ask_want(&a, dev, "VENT", dev->timeout_ms, NULL, want_echo);
}

const struct cal_driver cal_driver_ppc4 = {
	.name = "ppc4",
	.longname = "DH Instruments / Fluke PPC4 pressure controller",
	.dclass = CAL_DEV_PRESSURE,
	.api_version = CAL_DRIVER_API_VERSION,
	.default_serial = "2400/7E1",
	.open = ppc4_open,
	.close = prs_close,
	.identify = ppc4_identify,
	.read = ppc4_read,
	.set_setpoint = ppc4_set_setpoint,
	.control = ppc4_control,
	.vent = ppc4_vent,
};
