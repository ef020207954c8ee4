/*
 * Mensor CPC6050 / CPC6000 / CPC4000 pressure controllers (Mensor command
 * set): the driver ops. Bytes: docs/pressure-dialects.md §2.
 *
 *	open      Error? until 0 (old errors), Units? -> the unit
 *	identify  *IDN? -> maker, model, serial, firmware
 *	read      Stable? -> YES|NO, then A? -> channel A pressure
 *	setpoint  Setpt <p>, then Error?
 *	control   Mode control | Mode measure, then Error?
 *	vent      Mode vent, then Error?
 *
 * Every reply starts with a space, or with 'E' when the error queue is not
 * empty. Commands have no reply, so each is followed by Error?.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LOG_PREFIX "mensor-cpc"
#include "cal/error.h"
#include "cal/log.h"
#include "cal/units.h"

#include "../pressure/exchange.h"

struct mensor_ctx {
	enum cal_unit unit; /* the unit of channel A */
};

static const struct prs_dialect mensor = {
	.name = "Mensor",
	.parse = cal_mensor_parse,
	.eol = "\r\n",
};

/*
 * What each query's answer looks like, so that a late answer to an earlier
 * command is skipped instead of taken for this one.
 */
static bool want_units(const struct cal_prs_reply *r, const void *arg)
{
	enum cal_unit u;

	(void)arg;
	return cal_mensor_unit_parse(&u, r->payload) == CAL_OK;
}

static bool want_idn(const struct cal_prs_reply *r, const void *arg)
{
	(void)arg;
	return r->nfield >= 3 && !r->field[0].number;
}

/* Empty the queue; the first error is returned in code/text (0 if none). */
static int drain_errors(int *code, char *text, size_t size, struct cal_device *dev)
{
	return prs_drain_errors(code, text, size, dev, &mensor, "Error?", NULL);
}

static int check_error(struct cal_device *dev, const char *cmd, const char *what)
{
	char text[CAL_PRS_LINE_MAX + 1];
	int code, rc;

	rc = drain_errors(&code, text, sizeof(text), dev);
	if (rc || code == 0)
		return rc;
	return cal_error_set(CAL_ERR_DEVICE,
			     "%s: %s refused by the controller%s%s%s (Mensor error %d \"%s\")",
			     dev->id, cmd, what ? ": " : "", what ? what : "",
			     what ? " is not accepted" : "", code, text);
}

/* A query whose reply flags pending errors: log them, they are not ours. */
static void note_pending(struct cal_device *dev, const struct prs_answer *a)
{
	char text[CAL_PRS_LINE_MAX + 1];
	int code;

	if (!a->r.error_pending)
		return;
	if (drain_errors(&code, text, sizeof(text), dev) == CAL_OK && code != 0)
		log_warn("%s: the controller had queued error %d \"%s\"", dev->id, code, text);
}

static int mensor_open(struct cal_device *dev)
{
	struct mensor_ctx *ctx;
	struct prs_answer a;
	char text[CAL_PRS_LINE_MAX + 1];
	int code, rc;

	rc = prs_alloc_priv(dev, sizeof(*ctx));
	if (rc)
		return rc;
	ctx = dev->priv;
	rc = drain_errors(&code, text, sizeof(text), dev);
	if (rc)
		goto fail;
	if (code)
		log_info("%s: old error in the queue: %d \"%s\"", dev->id, code, text);
	rc = prs_query(&a, dev, &mensor, "Units?", want_units, NULL, dev->timeout_ms);
	if (rc)
		goto fail;
	if (cal_mensor_unit_parse(&ctx->unit, a.r.payload) != CAL_OK) {
		rc = cal_error_set(CAL_ERR_PROTO, "%s: unknown pressure unit in \"%s\"", dev->id,
				   a.raw);
		goto fail;
	}
	return CAL_OK;
fail:
	prs_close(dev);
	return rc;
}

static int mensor_identify(struct cal_dev_info *out, struct cal_device *dev)
{
	struct prs_answer a;
	int rc;

	rc = prs_query(&a, dev, &mensor, "*IDN?", want_idn, NULL, dev->timeout_ms);
	if (rc)
		return rc;
	if (a.r.nfield < 3)
		return cal_error_set(CAL_ERR_PROTO, "%s: *IDN? answered \"%s\"", dev->id, a.raw);
	prs_fill_info(out, &a.r, 2, 3);
	note_pending(dev, &a);
	return CAL_OK;
}

/* Answers a late line cannot be taken for: YES/NO; one number. */
static bool want_yes_no(const struct cal_prs_reply *r, const void *arg)
{
	(void)arg;
	return strcasecmp(r->payload, "YES") == 0 || strcasecmp(r->payload, "NO") == 0;
}

static bool want_number(const struct cal_prs_reply *r, const void *arg)
{
	(void)arg;
	return r->nfield == 1 && r->field[0].number;
}

static int mensor_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	const struct mensor_ctx *ctx = dev->priv;
	struct prs_answer s, a;
	bool stable;
	int rc;

	(void)mode;
	rc = prs_query(&s, dev, &mensor, "Stable?", want_yes_no, NULL, dev->timeout_ms);
	if (rc)
		return rc;
	if (strcasecmp(s.r.payload, "YES") == 0) {
		stable = true;
	} else if (strcasecmp(s.r.payload, "NO") == 0) {
		stable = false;
	} else {
		return cal_error_set(CAL_ERR_PROTO,
				     "%s: Stable? answered \"%s\", expected YES or NO", dev->id,
				     s.raw);
	}
	note_pending(dev, &s);
	rc = prs_query(&a, dev, &mensor, "A?", want_number, NULL, dev->timeout_ms);
	prs_copy(out->raw, sizeof(out->raw), a.raw);
	if (rc)
		return rc;
	if (a.r.nfield != 1 || !a.r.field[0].number)
		return cal_error_set(CAL_ERR_PROTO, "%s: A? answered \"%s\", expected a pressure",
				     dev->id, a.raw);
	prs_fill_reading(out, &a, a.r.field[0].value, a.r.field[0].decimals, ctx->unit, stable);
	note_pending(dev, &a);
	return CAL_OK;
}

static int mensor_set_setpoint(struct cal_device *dev, double value, enum cal_unit unit)
{
	const struct mensor_ctx *ctx = dev->priv;
	struct prs_setpoint sp;
	int rc;

	rc = prs_setpoint_cmd(&sp, dev, "Setpt", value, unit, ctx->unit);
	if (rc)
		return rc;
	rc = prs_send(dev, &mensor, sp.cmd);
	return rc ? rc : check_error(dev, sp.cmd, sp.what);
}

static int mensor_control(struct cal_device *dev, bool on)
{
	const char *cmd = on ? "Mode control" : "Mode measure";
	int rc = prs_send(dev, &mensor, cmd);

	return rc ? rc : check_error(dev, cmd, NULL);
}

static int mensor_vent(struct cal_device *dev)
{
	int rc = prs_send(dev, &mensor, "Mode vent");

	return rc ? rc : check_error(dev, "Mode vent", NULL);
}

const struct cal_driver cal_driver_mensor_cpc = {
	.name = "mensor-cpc",
	.longname = "Mensor CPC pressure controller (Mensor command set)",
	.dclass = CAL_DEV_PRESSURE,
	.api_version = CAL_DRIVER_API_VERSION,
	.default_serial = "9600/8N1",
	.open = mensor_open,
	.close = prs_close,
	.identify = mensor_identify,
	.read = mensor_read,
	.set_setpoint = mensor_set_setpoint,
	.control = mensor_control,
	.vent = mensor_vent,
};
