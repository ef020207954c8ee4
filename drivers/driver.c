/*
 * cal_dev_*(): the only way the procedure engine talks to instruments.
 *
 * This layer checks arguments, zeroes out-params before anything can fail,
 * turns a NULL op into CAL_ERR_UNSUPPORTED, and implements the one piece of
 * policy common to all drivers: waiting for a stable reading by polling
 * (cal_dev_read_stable). Drivers set messages; this file adds the device id
 * where a driver could not know it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "driver"
#include "cal/driver.h"
#include "cal/error.h"
#include "cal/log.h"

/* Defaults of struct cal_device; the bench file may change them after open. */
#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_RETRIES 2
/* Pause between two CAL_READ_NOW polls in cal_dev_read_stable(), ms. */
#define STABLE_POLL_MS 150

static int check_dev(const struct cal_device *dev, const char *fn)
{
	if (!dev || !dev->drv)
		return cal_error_set(CAL_ERR_ARG, "%s: no device", fn);
	return CAL_OK;
}

static int unsupported(const struct cal_device *dev, const char *what)
{
	return cal_error_set(CAL_ERR_UNSUPPORTED, "%s: driver %s cannot %s", dev->id,
			     dev->drv->name ? dev->drv->name : "(unnamed)", what);
}

static int open_dev(struct cal_device **out, const struct cal_driver *drv, struct cal_transport *tr,
		    const char *id, const struct cal_dev_opts *opts);

int cal_dev_open_transport(struct cal_device **out, const struct cal_driver *drv,
			   struct cal_transport *tr, const char *id)
{
	return open_dev(out, drv, tr, id, NULL);
}

static int open_dev(struct cal_device **out, const struct cal_driver *drv, struct cal_transport *tr,
		    const char *id, const struct cal_dev_opts *opts)
{
	struct cal_device *dev = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !drv || !tr) {
		rc = cal_error_set(CAL_ERR_ARG, "%s: cal_dev_open_transport: NULL argument",
				   id ? id : "");
		goto fail;
	}
	if (drv->api_version != CAL_DRIVER_API_VERSION) {
		rc = cal_error_set(CAL_ERR_UNSUPPORTED, "%s: driver %s has API version %d, not %d",
				   id ? id : "", drv->name ? drv->name : "(unnamed)",
				   drv->api_version, CAL_DRIVER_API_VERSION);
		goto fail;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		rc = cal_error_set(CAL_ERR_NOMEM, "%s: out of memory", id ? id : "");
		goto fail;
	}
	dev->drv = drv;
	dev->tr = tr;
	dev->timeout_ms = DEFAULT_TIMEOUT_MS;
	dev->retries = DEFAULT_RETRIES;
	if (opts)
		dev->opts = *opts;
	if (id)
		snprintf(dev->id, sizeof(dev->id), "%s", id);
	if (drv->open) {
		rc = drv->open(dev);
		if (rc) {
			free(dev);
			goto fail;
		}
	}
	log_dbg("%s: opened %s on %s", dev->id, drv->name, cal_transport_describe(tr));
	*out = dev;
	return CAL_OK;
fail:
	cal_transport_close(tr);
	return rc;
}

int cal_dev_open(struct cal_device **out, const char *driver_name, const struct cal_port_cfg *cfg,
		 const char *id)
{
	return cal_dev_open_opts(out, driver_name, cfg, id, NULL);
}

int cal_dev_open_opts(struct cal_device **out, const char *driver_name,
		      const struct cal_port_cfg *cfg, const char *id,
		      const struct cal_dev_opts *opts)
{
	const struct cal_driver *drv;
	struct cal_transport *tr = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!id)
		id = "";
	if (!out || !driver_name || !cfg)
		return cal_error_set(CAL_ERR_ARG, "%s: cal_dev_open: NULL argument", id);
	drv = cal_driver_find(driver_name);
	if (!drv)
		return cal_error_set(CAL_ERR_NOTFOUND, "%s: no driver named '%s'", id, driver_name);
	if (cal_port_is_modbus(cfg) != !!(drv->flags & CAL_DRV_MODBUS))
		return cal_error_set(
			CAL_ERR_ARG,
			cal_port_is_modbus(cfg)
				? "%s: driver %s does not speak Modbus: a modbus-tcp: or "
				  "modbus-rtu: port is for driver modbus-flow"
				: "%s: driver %s speaks Modbus: its port is "
				  "modbus-tcp:HOST:PORT or modbus-rtu:TTY_PATH",
			id, driver_name);
	rc = cal_transport_open(&tr, cfg);
	if (rc)
		return cal_error_prefix(rc, "%s: ", id);
	return open_dev(out, drv, tr, id, opts);
}

void cal_dev_close(struct cal_device *dev)
{
	if (!dev)
		return;
	if (dev->drv && dev->drv->close)
		dev->drv->close(dev);
	cal_transport_close(dev->tr);
	free(dev);
}

int cal_dev_identify(struct cal_dev_info *out, struct cal_device *dev)
{
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	rc = check_dev(dev, "cal_dev_identify");
	if (rc)
		return rc;
	if (!out)
		return cal_error_set(CAL_ERR_ARG, "%s: cal_dev_identify: out is NULL", dev->id);
	if (!dev->drv->identify)
		return unsupported(dev, "identify itself");
	return dev->drv->identify(out, dev);
}

int cal_dev_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	rc = check_dev(dev, "cal_dev_read");
	if (rc)
		return rc;
	if (!out)
		return cal_error_set(CAL_ERR_ARG, "%s: cal_dev_read: out is NULL", dev->id);
	if (mode != CAL_READ_NOW && mode != CAL_READ_STABLE)
		return cal_error_set(CAL_ERR_ARG, "%s: unknown read mode %d", dev->id, (int)mode);
	if (!dev->drv->read)
		return unsupported(dev, "read a value");
	return dev->drv->read(out, dev, mode);
}

int cal_dev_zero(struct cal_device *dev)
{
	int rc = check_dev(dev, "cal_dev_zero");

	if (rc)
		return rc;
	if (!dev->drv->zero)
		return unsupported(dev, "zero");
	return dev->drv->zero(dev);
}

int cal_dev_tare(struct cal_device *dev)
{
	int rc = check_dev(dev, "cal_dev_tare");

	if (rc)
		return rc;
	if (!dev->drv->tare)
		return unsupported(dev, "tare");
	return dev->drv->tare(dev);
}

int cal_dev_set_setpoint(struct cal_device *dev, double value, enum cal_unit unit)
{
	int rc = check_dev(dev, "cal_dev_set_setpoint");

	if (rc)
		return rc;
	if (!dev->drv->set_setpoint)
		return unsupported(dev, "set a setpoint");
	if (cal_unit_quantity(unit) != CAL_Q_PRESSURE)
		return cal_error_set(CAL_ERR_ARG, "%s: setpoint unit '%s' is not a pressure unit",
				     dev->id, cal_unit_symbol(unit));
	return dev->drv->set_setpoint(dev, value, unit);
}

int cal_dev_control(struct cal_device *dev, bool on)
{
	int rc = check_dev(dev, "cal_dev_control");

	if (rc)
		return rc;
	if (!dev->drv->control)
		return unsupported(dev, on ? "start controlling" : "stop controlling");
	return dev->drv->control(dev, on);
}

int cal_dev_vent(struct cal_device *dev)
{
	int rc = check_dev(dev, "cal_dev_vent");

	if (rc)
		return rc;
	if (!dev->drv->vent)
		return unsupported(dev, "vent");
	return dev->drv->vent(dev);
}

int cal_dev_read_quantity(struct cal_reading *out, struct cal_device *dev, const char *name)
{
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	rc = check_dev(dev, "cal_dev_read_quantity");
	if (rc)
		return rc;
	if (!out || !name || !name[0])
		return cal_error_set(CAL_ERR_ARG, "%s: read: no quantity named", dev->id);
	if (!dev->drv->read_quantity)
		return cal_error_set(CAL_ERR_UNSUPPORTED,
				     "%s: driver %s reads one quantity only (no '%s')", dev->id,
				     dev->drv->name, name);
	return dev->drv->read_quantity(out, dev, name);
}

/*
 * Invariant of the loop: *out holds the last reading that carried a value
 * (zeroed until there is one); every such reading goes to progress().
 * A busy answer (CAL_ERR_UNSTABLE from the driver, MT-SICS "S I") counts as
 * "not stable yet" and polling goes on.
 */
int cal_dev_read_stable(struct cal_reading *out, struct cal_device *dev,
			const struct cal_clock *clock, int timeout_ms,
			cal_reading_progress_fn progress, void *payload)
{
	struct cal_reading rd;
	int64_t start, now, range_since = -1;
	int polls = 0;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	rc = check_dev(dev, "cal_dev_read_stable");
	if (rc)
		return rc;
	if (!out)
		return cal_error_set(CAL_ERR_ARG, "%s: cal_dev_read_stable: out is NULL", dev->id);
	if (!dev->drv->read)
		return unsupported(dev, "read a value");
	if (!clock)
		clock = cal_clock_system();
	if (!clock->mono_ms || !clock->sleep_ms)
		return cal_error_set(CAL_ERR_ARG, "%s: clock without mono_ms or sleep_ms", dev->id);
	if (timeout_ms < 0)
		timeout_ms = 0;
	start = clock->mono_ms(clock->ctx);
	for (;;) {
		int64_t left;

		rc = cal_dev_read(&rd, dev, CAL_READ_NOW);
		polls++;
		now = clock->mono_ms(clock->ctx);
		if (rc == CAL_OK || rc == CAL_ERR_RANGE) {
			*out = rd;
			if (progress && progress(&rd, payload) != 0)
				return cal_error_set(
					CAL_ERR_INTERRUPTED,
					"%s: stopped while waiting for a stable reading", dev->id);
		}
		if (rc == CAL_OK && (rd.flags & CAL_RD_STABLE))
			return CAL_OK;
		left = start + timeout_ms - now;
		if (rc == CAL_ERR_RANGE) {
			/*
			 * A swinging receptor or a weight set down hard can show
			 * overload for a moment: only one that lasts counts.
			 * RANGE keeps the driver's message and the reading.
			 */
			if (range_since < 0)
				range_since = now;
			if (now - range_since >= CAL_RANGE_HOLD_MS || left <= 0)
				return rc;
		} else {
			range_since = -1;
			if (rc != CAL_OK && rc != CAL_ERR_UNSTABLE)
				return rc;
		}
		if (left <= 0)
			break;
		clock->sleep_ms(clock->ctx, left < STABLE_POLL_MS ? left : STABLE_POLL_MS);
	}
	if (out->raw[0] == '\0')
		return cal_error_set(
			CAL_ERR_UNSTABLE,
			"%s: no stable reading within %d ms (%d polls, only busy answers)", dev->id,
			timeout_ms, polls);
	return cal_error_set(CAL_ERR_UNSTABLE,
			     "%s: no stable reading within %d ms (%d polls, last \"%s\")", dev->id,
			     timeout_ms, polls, out->raw);
}
