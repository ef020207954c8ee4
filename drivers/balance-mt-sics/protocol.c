/*
 * MT-SICS command/answer exchange (protocols.md 1.5-1.7).
 *
 * One command, one answer: the host sends "CMD" CR LF and waits for the line
 * whose ID matches (S, SI and SIR all answer with ID "S"). Anything else
 * that arrives meanwhile is skipped: a late answer to an earlier command
 * that timed out, or the "I4 A" a balance sends unsolicited at power-up.
 * "ES", "ET", "EL" carry no ID and are taken as the answer.
 *
 * Retry policy: a timeout, an over-long or garbled line, or ET (transmission
 * error, i.e. the balance received a garbled command) is retried up to
 * dev->retries more times, after flushing input so that a stale line cannot
 * be taken for the new answer. ES and EL are final: resending the same
 * command cannot help.
 */
#include <stdio.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"

#include "../util.h"
#include "protocol.h"

_Static_assert(sizeof(((struct cal_reading *)0)->raw) >= CAL_MTSICS_LINE_MAX + 1,
	       "a reading must hold a whole MT-SICS line");

static const char *error_text(const char *id)
{
	if (strcmp(id, "ES") == 0)
		return "syntax error: command not recognised";
	if (strcmp(id, "ET") == 0)
		return "transmission error";
	return "logical error: command cannot be executed";
}

int mtsics_reset(struct cal_device *dev)
{
	char line[CAL_MTSICS_LINE_MAX + 1];
	size_t len;
	int64_t deadline;
	int wait_ms = dev->timeout_ms > 0 ? dev->timeout_ms : 0;
	int lines = 0;
	int rc;

	rc = cal_transport_flush_input(dev->tr);
	if (rc == CAL_OK)
		rc = cal_transport_write(dev->tr, "@\r\n", 3, wait_ms);
	if (rc)
		return cal_error_prefix(rc, "%s: reset (@): ", dev->id);
	/* Bounded: at most timeout + quiet window + a stream of stray lines. */
	deadline = cal_mono_ms() + wait_ms + 2 * MTSICS_QUIET_MS;
	for (;;) {
		int left = (int)(deadline - cal_mono_ms());

		if (left <= 0)
			break;
		if (lines > 0 && left > MTSICS_QUIET_MS)
			left = MTSICS_QUIET_MS;
		rc = cal_transport_read_line(dev->tr, line, sizeof(line), &len, left);
		if (rc == CAL_ERR_TIMEOUT)
			break;
		if (rc == CAL_ERR_IO)
			return cal_error_prefix(rc, "%s: reset (@): ", dev->id);
		lines++;
		if (rc == CAL_OK)
			log_dbg("%s: dropped after @: \"%s\"", dev->id, line);
	}
	if (lines == 0)
		log_info("%s: no answer to @ within %d ms (%s)", dev->id, wait_ms,
			 cal_transport_describe(dev->tr));
	rc = cal_transport_flush_input(dev->tr);
	if (rc)
		return cal_error_prefix(rc, "%s: reset (@): ", dev->id);
	return CAL_OK;
}

/* Outcome of one attempt that calls for a retry. */
struct failure {
	int rc;		/* CAL_ERR_TIMEOUT, CAL_ERR_PROTO or CAL_ERR_DEVICE (ET) */
	char what[320]; /* message detail for the final report */
	char skipped[CAL_DRV_ESCAPE_MAX]; /* last line skipped for its ID, escaped */
};

/*
 * One attempt: flush, send, wait. Returns CAL_OK, a final error, or 1 with
 * *f filled when the attempt may be retried.
 */
static int attempt(struct mtsics_answer *out, struct failure *f, struct cal_device *dev,
		   const char *cmd, const char *id, int wait_ms)
{
	char frame[16];
	size_t flen = strlen(cmd);
	int64_t deadline;
	int rc;

	rc = cal_transport_flush_input(dev->tr);
	if (rc)
		return cal_error_prefix(rc, "%s: %s: ", dev->id, cmd);
	memcpy(frame, cmd, flen);
	memcpy(frame + flen, "\r\n", 2);
	rc = cal_transport_write(dev->tr, frame, flen + 2, dev->timeout_ms);
	if (rc)
		return cal_error_prefix(rc, "%s: sending %s: ", dev->id, cmd);
	deadline = cal_mono_ms() + wait_ms;
	for (;;) {
		int left = (int)(deadline - cal_mono_ms());
		size_t len = 0;

		rc = cal_transport_read_line(dev->tr, out->raw, sizeof(out->raw), &len,
					     left > 0 ? left : 0);
		if (rc == CAL_ERR_TIMEOUT) {
			f->rc = CAL_ERR_TIMEOUT;
			f->what[0] = '\0';
			return 1;
		}
		if (rc == CAL_ERR_PROTO) {
			f->rc = CAL_ERR_PROTO;
			snprintf(f->what, sizeof(f->what), "%s", cal_error_last());
			return 1;
		}
		if (rc)
			return cal_error_prefix(rc, "%s: waiting for the answer to %s: ", dev->id,
						cmd);
		out->t_mono_ms = cal_mono_ms();
		rc = cal_mtsics_parse(&out->resp, out->raw, len);
		if (rc) {
			f->rc = CAL_ERR_PROTO;
			snprintf(f->what, sizeof(f->what), "%s", cal_error_last());
			return 1;
		}
		if (out->resp.kind == CAL_MTSICS_ERROR) {
			if (strcmp(out->resp.id, "ET") == 0) {
				f->rc = CAL_ERR_DEVICE;
				snprintf(f->what, sizeof(f->what), "balance answered \"ET\" (%s)",
					 error_text("ET"));
				return 1;
			}
			return cal_error_set(CAL_ERR_DEVICE, "%s: %s: balance answered \"%s\" (%s)",
					     dev->id, cmd, out->resp.id, error_text(out->resp.id));
		}
		if (strcmp(out->resp.id, id) == 0)
			return CAL_OK;
		log_dbg("%s: skipped \"%s\" while waiting for the answer to %s", dev->id, out->raw,
			cmd);
		cal_drv_escape(f->skipped, sizeof(f->skipped), out->raw, len);
	}
}

int mtsics_command(struct mtsics_answer *out, struct cal_device *dev, const char *cmd,
		   const char *id, int wait_ms)
{
	struct failure f;
	int tries = 1 + (dev->retries > 0 ? dev->retries : 0);
	int rc = CAL_ERR_TIMEOUT;

	memset(out, 0, sizeof(*out));
	memset(&f, 0, sizeof(f));
	if (strlen(cmd) > 12)
		return cal_error_set(CAL_ERR_ARG, "%s: command '%s' too long", dev->id, cmd);
	if (wait_ms < 0)
		wait_ms = 0;
	for (int i = 0; i < tries; i++) {
		if (i > 0)
			log_dbg("%s: retrying %s (%d of %d)", dev->id, cmd, i, tries - 1);
		rc = attempt(out, &f, dev, cmd, id, wait_ms);
		if (rc <= 0)
			return rc;
	}
	/* Every attempt failed in a retryable way; report the last one. */
	if (f.rc == CAL_ERR_TIMEOUT) {
		memset(out, 0, sizeof(*out));
		if (f.skipped[0])
			return cal_error_set(CAL_ERR_TIMEOUT,
					     "%s: no answer to %s within %d ms (%s), %d attempts; "
					     "last line skipped: \"%s\"",
					     dev->id, cmd, wait_ms, cal_transport_describe(dev->tr),
					     tries, f.skipped);
		return cal_error_set(CAL_ERR_TIMEOUT,
				     "%s: no answer to %s within %d ms (%s), %d attempts", dev->id,
				     cmd, wait_ms, cal_transport_describe(dev->tr), tries);
	}
	if (f.rc == CAL_ERR_DEVICE)
		return cal_error_set(CAL_ERR_DEVICE, "%s: %s: %s, %d attempts (%s)", dev->id, cmd,
				     f.what, tries, cal_transport_describe(dev->tr));
	return cal_error_set(CAL_ERR_PROTO, "%s: garbled answer to %s: %s (%s), %d attempts",
			     dev->id, cmd, f.what, cal_transport_describe(dev->tr), tries);
}
