/*
 * Druck / Baker Hughes PACE 1000/5000/6000 pressure controllers (SCPI):
 * the driver ops. Bytes: docs/pressure-dialects.md §1.
 *
 *	open      :SYST:ERR? until 0 (old errors), :UNIT:PRES? -> the unit
 *	identify  *IDN? -> maker, model, serial, firmware
 *	read      :SENS:PRES:INL? -> pressure, in-limits flag (= stable)
 *	setpoint  :SOUR:PRES <p>, then :SYST:ERR?
 *	control   :OUTP:STAT ON|OFF, then :SYST:ERR?
 *	vent      :SOUR:PRES:LEV:IMM:AMPL:VENT 1, then :SYST:ERR?
 *
 * SCPI commands have no reply: every command is followed by :SYST:ERR? so
 * that a refusal (-222 data out of range) is reported at once, naming the
 * command, instead of surfacing at some later query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "pace"
#include "cal/error.h"
#include "cal/log.h"
#include "cal/units.h"

#include "../pressure/exchange.h"

struct pace_ctx {
	enum cal_unit unit; /* the controller's pressure unit */
};

static const struct prs_dialect pace = {
	.name = "PACE",
	.parse = cal_pace_parse,
	.eol = "\n",
};

/* Read one entry of the error queue: *code 0 when empty. */
static int read_error(int *code, char *text, size_t size, struct cal_device *dev)
{
	return prs_read_error(code, text, size, dev, &pace, ":SYST:ERR?", ":SYST:ERR");
}

/* After a command: report the first queued error, naming the command. */
static int check_error(struct cal_device *dev, const char *cmd, const char *what)
{
	char text[CAL_PRS_LINE_MAX + 1];
	int code, rc;

	rc = prs_drain_errors(&code, text, sizeof(text), dev, &pace, ":SYST:ERR?", ":SYST:ERR");
	if (rc || code == 0)
		return rc;
	if (code == -222)
		return cal_error_set(CAL_ERR_DEVICE,
				     "%s: %s refused by the controller: %s is outside its range "
				     "(PACE error %d \"%s\")",
				     dev->id, cmd, what, code, text);
	return cal_error_set(CAL_ERR_DEVICE,
			     "%s: %s refused by the controller: PACE error %d \"%s\"", dev->id, cmd,
			     code, text);
}

static int pace_open(struct cal_device *dev)
{
	struct pace_ctx *ctx;
	struct prs_answer a;
	char text[CAL_PRS_LINE_MAX + 1];
	int code = 0, rc;

	rc = prs_alloc_priv(dev, sizeof(*ctx));
	if (rc)
		return rc;
	ctx = dev->priv;
	for (int i = 0; i < PRS_ERR_QUEUE; i++) {
		rc = read_error(&code, text, sizeof(text), dev);
		if (rc)
			goto fail;
		if (code == 0)
			break;
		log_info("%s: old error in the queue: %d \"%s\"", dev->id, code, text);
	}
	rc = prs_query(&a, dev, &pace, ":UNIT:PRES?", prs_want_header, ":UNIT:PRES",
		       dev->timeout_ms);
	if (rc)
		goto fail;
	if (a.r.nfield != 1 || cal_pace_unit_parse(&ctx->unit, a.r.field[0].text) != CAL_OK) {
		rc = cal_error_set(CAL_ERR_PROTO, "%s: unknown pressure unit in \"%s\"", dev->id,
				   a.raw);
		goto fail;
	}
	return CAL_OK;
fail:
	prs_close(dev);
	return rc;
}

/* *IDN? with or without the echoed "*IDN" header. */
static bool want_idn(const struct cal_prs_reply *r, const void *arg)
{
	(void)arg;
	return (strcmp(r->header, "*IDN") == 0 || r->header[0] == '\0') && r->nfield >= 3;
}

static int pace_identify(struct cal_dev_info *out, struct cal_device *dev)
{
	struct prs_answer a;
	int rc;

	rc = prs_query(&a, dev, &pace, "*IDN?", want_idn, NULL, dev->timeout_ms);
	if (rc)
		return rc;
	prs_fill_info(out, &a.r, 2, 3);
	return CAL_OK;
}

static int pace_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	const struct pace_ctx *ctx = dev->priv;
	struct prs_answer a;
	int rc;

	(void)mode; /* the controller has no "wait for stable": the caller polls */
	rc = prs_query(&a, dev, &pace, ":SENS:PRES:INL?", prs_want_header, ":SENS:PRES:INL",
		       dev->timeout_ms);
	prs_copy(out->raw, sizeof(out->raw), a.raw);
	if (rc)
		return rc;
	if (a.r.nfield != 2 || !a.r.field[0].number || !a.r.field[1].number ||
	    (a.r.field[1].value != 0 && a.r.field[1].value != 1))
		return cal_error_set(CAL_ERR_PROTO,
				     "%s: :SENS:PRES:INL? answered \"%s\", expected pressure, 0|1",
				     dev->id, a.raw);
	prs_fill_reading(out, &a, a.r.field[0].value, a.r.field[0].decimals, ctx->unit,
			 a.r.field[1].value == 1);
	return CAL_OK;
}

static int pace_set_setpoint(struct cal_device *dev, double value, enum cal_unit unit)
{
	const struct pace_ctx *ctx = dev->priv;
	struct prs_setpoint sp;
	int rc;

	rc = prs_setpoint_cmd(&sp, dev, ":SOUR:PRES", value, unit, ctx->unit);
	if (rc)
		return rc;
	rc = prs_send(dev, &pace, sp.cmd);
	return rc ? rc : check_error(dev, sp.cmd, sp.what);
}

static int pace_control(struct cal_device *dev, bool on)
{
	const char *cmd = on ? ":OUTP:STAT ON" : ":OUTP:STAT OFF";
	int rc = prs_send(dev, &pace, cmd);

	return rc ? rc : check_error(dev, cmd, "control");
}

static int pace_vent(struct cal_device *dev)
{
	const char *cmd = ":SOUR:PRES:LEV:IMM:AMPL:VENT 1";
	int rc = prs_send(dev, &pace, cmd);

	return rc ? rc : check_error(dev, cmd, "vent");
}

const struct cal_driver cal_driver_pace = {
	.name = "pace",
	.longname = "Druck PACE pressure controller (SCPI)",
	.dclass = CAL_DEV_PRESSURE,
	.api_version = CAL_DRIVER_API_VERSION,
	.default_serial = "9600/8N1",
	.open = pace_open,
	.close = prs_close,
	.identify = pace_identify,
	.read = pace_read,
	.set_setpoint = pace_set_setpoint,
	.control = pace_control,
	.vent = pace_vent,
};
