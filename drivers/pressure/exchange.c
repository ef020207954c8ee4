/*
 * The exchange shared by the pressure-controller drivers (exchange.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "pressure"
#include "cal/clock.h"
#include "cal/error.h"
#include "cal/log.h"
#include "cal/num.h"

#include "../util.h"
#include "exchange.h"

/* Longest command line we send, terminator excluded. */
#define PRS_CMD_MAX 96

void prs_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void prs_format_value(char *buf, size_t size, double v)
{
	cal_num_format_sig(buf, size, v, 15);
}

bool prs_want_header(const struct cal_prs_reply *r, const void *arg)
{
	return strcmp(r->header, (const char *)arg) == 0;
}

int prs_setpoint_cmd(struct prs_setpoint *out, const struct cal_device *dev, const char *prefix,
		     double value, enum cal_unit from, enum cal_unit to)
{
	char num[32];
	double v;
	int rc;

	rc = cal_unit_convert(&v, value, from, to);
	if (rc)
		return cal_error_set(rc, "%s: cannot convert %s to %s", dev->id,
				     cal_unit_symbol(from), cal_unit_symbol(to));
	prs_format_value(num, sizeof(num), v);
	snprintf(out->cmd, sizeof(out->cmd), "%s %s", prefix, num);
	snprintf(out->what, sizeof(out->what), "the setpoint %s %s", num, cal_unit_symbol(to));
	return CAL_OK;
}

void prs_fill_info(struct cal_dev_info *out, const struct cal_prs_reply *r, int serial_field,
		   int firmware_field)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->model, sizeof(out->model), "%s %s", r->nfield > 0 ? r->field[0].text : "",
		 r->nfield > 1 ? r->field[1].text : "");
	if (r->nfield > serial_field)
		prs_copy(out->serial, sizeof(out->serial), r->field[serial_field].text);
	if (r->nfield > firmware_field)
		prs_copy(out->firmware, sizeof(out->firmware), r->field[firmware_field].text);
}

/* "<code>,<text>": a number then a text, nothing else. */
static bool want_error_entry(const struct cal_prs_reply *r, const void *arg)
{
	(void)arg;
	return r->nfield == 2 && r->field[0].number && !r->field[1].number;
}

int prs_read_error(int *code, char *text, size_t size, struct cal_device *dev,
		   const struct prs_dialect *d, const char *cmd, const char *header)
{
	struct prs_answer a;
	int rc;

	*code = 0;
	text[0] = '\0';
	rc = prs_query(&a, dev, d, cmd, header ? prs_want_header : want_error_entry, header,
		       dev->timeout_ms);
	if (rc)
		return rc;
	if (a.r.nfield < 1 || !a.r.field[0].number)
		return cal_error_set(CAL_ERR_PROTO, "%s: %s answered \"%s\"", dev->id, cmd, a.raw);
	*code = (int)a.r.field[0].value;
	if (a.r.nfield > 1)
		prs_copy(text, size, a.r.field[1].text);
	return CAL_OK;
}

int prs_drain_errors(int *code, char *text, size_t size, struct cal_device *dev,
		     const struct prs_dialect *d, const char *cmd, const char *header)
{
	char more[CAL_PRS_LINE_MAX + 1];
	int c, rc;

	rc = prs_read_error(code, text, size, dev, d, cmd, header);
	for (int i = 0; rc == CAL_OK && *code != 0 && i < PRS_ERR_QUEUE; i++) {
		if (prs_read_error(&c, more, sizeof(more), dev, d, cmd, header) || c == 0)
			break;
	}
	return rc;
}

int prs_alloc_priv(struct cal_device *dev, size_t size)
{
	dev->priv = calloc(1, size);
	if (!dev->priv)
		return cal_error_set(CAL_ERR_NOMEM, "%s: out of memory", dev->id);
	return CAL_OK;
}

void prs_close(struct cal_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

void prs_fill_reading(struct cal_reading *rd, const struct prs_answer *a, double value,
		      int decimals, enum cal_unit unit, bool stable)
{
	rd->value = value;
	rd->unit = unit;
	rd->value_si = cal_num_round_sig(value * cal_unit_si_factor(unit), 15);
	rd->decimals = decimals;
	rd->flags = stable ? CAL_RD_STABLE : 0;
	rd->t_mono_ms = a->t_mono_ms;
	prs_copy(rd->raw, sizeof(rd->raw), a->raw);
}

static int write_cmd(struct cal_device *dev, const struct prs_dialect *d, const char *cmd)
{
	char frame[PRS_CMD_MAX + 3];
	size_t n = strlen(cmd), e = strlen(d->eol);

	if (n > PRS_CMD_MAX)
		return cal_error_set(CAL_ERR_ARG, "%s: command '%.20s...' too long", dev->id, cmd);
	memcpy(frame, cmd, n);
	memcpy(frame + n, d->eol, e);
	return cal_transport_write(dev->tr, frame, n + e, dev->timeout_ms);
}

int prs_send(struct cal_device *dev, const struct prs_dialect *d, const char *cmd)
{
	int rc = write_cmd(dev, d, cmd);

	if (rc)
		return cal_error_prefix(rc, "%s: sending %s: ", dev->id, cmd);
	log_spew("%s: -> %s", dev->id, cmd);
	return CAL_OK;
}

/* 0 = got it, 1 = retry (timeout or garbled; *why set), <0 final error. */
static int attempt(struct prs_answer *out, struct cal_device *dev, const struct prs_dialect *d,
		   const char *cmd, prs_want_fn want, const void *arg, int wait_ms, int *why,
		   char *detail, size_t dsize)
{
	int64_t deadline;
	int rc;

	rc = cal_transport_flush_input(dev->tr);
	if (rc == CAL_OK)
		rc = write_cmd(dev, d, cmd);
	if (rc)
		return cal_error_prefix(rc, "%s: sending %s: ", dev->id, cmd);
	deadline = cal_mono_ms() + wait_ms;
	for (;;) {
		int left = (int)(deadline - cal_mono_ms());
		size_t len = 0;

		rc = cal_transport_read_line(dev->tr, out->raw, sizeof(out->raw), &len,
					     left > 0 ? left : 0);
		if (rc == CAL_ERR_TIMEOUT) {
			*why = CAL_ERR_TIMEOUT;
			return 1;
		}
		if (rc == CAL_ERR_PROTO) {
			*why = CAL_ERR_PROTO;
			snprintf(detail, dsize, "%s", cal_error_last());
			return 1;
		}
		if (rc)
			return cal_error_prefix(rc, "%s: waiting for the answer to %s: ", dev->id,
						cmd);
		out->t_mono_ms = cal_mono_ms();
		if (d->parse(&out->r, out->raw, len) != CAL_OK) {
			*why = CAL_ERR_PROTO;
			snprintf(detail, dsize, "%s", cal_error_last());
			return 1;
		}
		if (!want || want(&out->r, arg))
			return 0;
		log_dbg("%s: skipped \"%s\" while waiting for the answer to %s", dev->id, out->raw,
			cmd);
	}
}

int prs_query(struct prs_answer *out, struct cal_device *dev, const struct prs_dialect *d,
	      const char *cmd, prs_want_fn want, const void *arg, int wait_ms)
{
	int tries = 1 + (dev->retries > 0 ? dev->retries : 0);
	char detail[320] = "";
	int why = CAL_ERR_TIMEOUT;

	memset(out, 0, sizeof(*out));
	if (wait_ms < 0)
		wait_ms = 0;
	for (int i = 0; i < tries; i++) {
		int rc;

		if (i > 0)
			log_dbg("%s: retrying %s (%d of %d)", dev->id, cmd, i, tries - 1);
		rc = attempt(out, dev, d, cmd, want, arg, wait_ms, &why, detail, sizeof(detail));
		if (rc <= 0) {
			if (rc == 0)
				log_spew("%s: %s -> %s", dev->id, cmd, out->raw);
			return rc;
		}
	}
	if (why == CAL_ERR_TIMEOUT) {
		memset(out, 0, sizeof(*out));
		return cal_error_set(CAL_ERR_TIMEOUT,
				     "%s: no answer to %s within %d ms (%s), %d attempts", dev->id,
				     cmd, wait_ms, cal_transport_describe(dev->tr), tries);
	}
	return cal_error_set(CAL_ERR_PROTO, "%s: garbled answer to %s: %s (%s), %d attempts",
			     dev->id, cmd, detail, cal_transport_describe(dev->tr), tries);
}
