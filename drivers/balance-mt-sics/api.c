/*
 * Mettler Toledo MT-SICS balances (levels 0 and 1): the driver ops.
 *
 *	open      "@"  -> I4 A "<serial>" (dropped), then quiet, then flush
 *	identify  I2 (model text), I4 (serial), I3 (firmware; ES -> empty)
 *	read      SI (CAL_READ_NOW) or S (CAL_READ_STABLE) -> S S|D <w> <u>
 *	zero      Z  -> Z A
 *	tare      T  -> T S <tare> <u>
 *
 * Answers map to codes as follows: status I (busy, or stability not reached
 * in the balance's own timeout) -> CAL_ERR_UNSTABLE; + and - -> CAL_ERR_RANGE
 * (a reading still comes back, flagged); L, ES, ET, EL -> CAL_ERR_DEVICE;
 * anything else unexpected -> CAL_ERR_PROTO.
 */
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/units.h"

#include "protocol.h"

/* Copy text into a fixed field, cutting it if needed; always NUL-terminated. */
static void copy_text(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int wait_for(const struct cal_device *dev, const char *cmd)
{
	const struct dev_context *ctx = dev->priv;
	int64_t ms = dev->timeout_ms;

	/* S, Z and T answer only once the weight is stable. */
	if (ctx && (strcmp(cmd, "S") == 0 || strcmp(cmd, "Z") == 0 || strcmp(cmd, "T") == 0))
		ms += ctx->stable_wait_ms;
	if (ms < 0)
		ms = 0;
	if (ms > 3600000)
		ms = 3600000;
	return (int)ms;
}

static int unexpected(const struct cal_device *dev, const char *cmd, const struct mtsics_answer *a)
{
	return cal_error_set(CAL_ERR_PROTO, "%s: unexpected answer to %s: \"%s\" (%s)", dev->id,
			     cmd, a->raw, cal_mtsics_kind_name(a->resp.kind));
}

/* The common answers with no value: I, L, +, -. Returns CAL_OK if none of them. */
static int status_error(const struct cal_device *dev, const char *cmd,
			const struct mtsics_answer *a)
{
	switch (a->resp.kind) {
	case CAL_MTSICS_BUSY:
		return cal_error_set(CAL_ERR_UNSTABLE,
				     "%s: %s not executed: balance busy or weight not stable "
				     "in time (\"%s\")",
				     dev->id, cmd, a->raw);
	case CAL_MTSICS_OVERLOAD:
		return cal_error_set(CAL_ERR_RANGE, "%s: %s: overload, above the range (\"%s\")",
				     dev->id, cmd, a->raw);
	case CAL_MTSICS_UNDERLOAD:
		return cal_error_set(CAL_ERR_RANGE,
				     "%s: %s: underload, below the range or pan missing (\"%s\")",
				     dev->id, cmd, a->raw);
	case CAL_MTSICS_LOGICAL:
		return cal_error_set(CAL_ERR_DEVICE, "%s: %s: parameter not allowed (\"%s\")",
				     dev->id, cmd, a->raw);
	default:
		return CAL_OK;
	}
}

static int mt_open(struct cal_device *dev)
{
	struct dev_context *ctx;
	int rc;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return cal_error_set(CAL_ERR_NOMEM, "%s: out of memory", dev->id);
	ctx->stable_wait_ms = MTSICS_STABLE_WAIT_MS;
	dev->priv = ctx;
	rc = mtsics_reset(dev);
	if (rc) {
		free(ctx);
		dev->priv = NULL;
	}
	return rc;
}

static void mt_close(struct cal_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

/* Ask one of I2, I3, I4 and copy its first text parameter. */
static int ask_text(char *dst, size_t size, struct cal_device *dev, const char *cmd)
{
	struct mtsics_answer a;
	int rc;

	rc = mtsics_command(&a, dev, cmd, cmd, wait_for(dev, cmd));
	if (rc)
		return rc;
	rc = status_error(dev, cmd, &a);
	if (rc)
		return rc == CAL_ERR_UNSTABLE || rc == CAL_ERR_RANGE
			       ? cal_error_set(CAL_ERR_DEVICE, "%s: %s refused: \"%s\"", dev->id,
					       cmd, a.raw)
			       : rc;
	if (a.resp.kind != CAL_MTSICS_TEXT || a.resp.status != 'A' || a.resp.nparam < 1)
		return unexpected(dev, cmd, &a);
	copy_text(dst, size, a.resp.param[0]);
	return CAL_OK;
}

static int mt_identify(struct cal_dev_info *out, struct cal_device *dev)
{
	int rc;

	rc = ask_text(out->model, sizeof(out->model), dev, "I2");
	if (rc == CAL_OK)
		rc = ask_text(out->serial, sizeof(out->serial), dev, "I4");
	if (rc)
		goto fail;
	/* I3 is optional: older balances answer ES or EL, or I. */
	rc = ask_text(out->firmware, sizeof(out->firmware), dev, "I3");
	if (rc == CAL_ERR_DEVICE) {
		log_dbg("%s: no firmware version: %s", dev->id, cal_error_last());
		out->firmware[0] = '\0';
		rc = CAL_OK;
	}
	if (rc)
		goto fail;
	return CAL_OK;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}

static int mt_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	const char *cmd = mode == CAL_READ_STABLE ? "S" : "SI";
	struct mtsics_answer a;
	int rc;

	rc = mtsics_command(&a, dev, cmd, "S", wait_for(dev, cmd));
	/* Keep the line for the audit trail whatever it said. */
	copy_text(out->raw, sizeof(out->raw), a.raw);
	out->t_mono_ms = a.t_mono_ms;
	if (rc)
		return rc;
	switch (a.resp.kind) {
	case CAL_MTSICS_WEIGHT:
		if (a.resp.status != 'S' && a.resp.status != 'D')
			return unexpected(dev, cmd, &a);
		out->value = a.resp.value;
		out->unit = a.resp.unit;
		out->value_si = a.resp.value * cal_unit_si_factor(a.resp.unit);
		out->decimals = a.resp.decimals;
		out->flags = a.resp.status == 'S' ? CAL_RD_STABLE : 0;
		return CAL_OK;
	case CAL_MTSICS_OVERLOAD:
		out->flags = CAL_RD_OVERLOAD;
		break;
	case CAL_MTSICS_UNDERLOAD:
		out->flags = CAL_RD_UNDERLOAD;
		break;
	default:
		break;
	}
	rc = status_error(dev, cmd, &a);
	return rc ? rc : unexpected(dev, cmd, &a);
}

static int mt_zero(struct cal_device *dev)
{
	struct mtsics_answer a;
	int rc;

	rc = mtsics_command(&a, dev, "Z", "Z", wait_for(dev, "Z"));
	if (rc)
		return rc;
	if (a.resp.kind == CAL_MTSICS_ACK && a.resp.status == 'A')
		return CAL_OK;
	rc = status_error(dev, "Z", &a);
	return rc ? rc : unexpected(dev, "Z", &a);
}

static int mt_tare(struct cal_device *dev)
{
	struct mtsics_answer a;
	int rc;

	rc = mtsics_command(&a, dev, "T", "T", wait_for(dev, "T"));
	if (rc)
		return rc;
	if (a.resp.kind == CAL_MTSICS_WEIGHT && a.resp.status == 'S') {
		log_dbg("%s: tared at \"%s\"", dev->id, a.raw);
		return CAL_OK;
	}
	rc = status_error(dev, "T", &a);
	return rc ? rc : unexpected(dev, "T", &a);
}

const struct cal_driver cal_driver_mt_sics = {
	.name = "mt-sics",
	.longname = "Mettler Toledo MT-SICS balance",
	.dclass = CAL_DEV_BALANCE,
	.api_version = CAL_DRIVER_API_VERSION,
	.default_serial = "9600/8N1",
	.open = mt_open,
	.close = mt_close,
	.identify = mt_identify,
	.read = mt_read,
	.zero = mt_zero,
	.tare = mt_tare,
};
