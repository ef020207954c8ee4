/*
 * The instrument driver interface.
 *
 * A driver is a const struct cal_driver of operations; a NULL operation means
 * the instrument cannot do it and cal_dev_*() returns CAL_ERR_UNSUPPORTED.
 * A struct cal_device is one open instrument: driver + transport + the
 * driver's private state. The procedure engine sees only this header.
 */
#ifndef CAL_DRIVERS_DRIVER_H
#define CAL_DRIVERS_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal/clock.h"
#include "cal/transport.h"
#include "cal/units.h"

#define CAL_DRIVER_API_VERSION 3

enum cal_dev_class {
	CAL_DEV_BALANCE = 1,
	CAL_DEV_PRESSURE = 2,
	CAL_DEV_FLOW = 3,
};

/* Reading flags. */
#define CAL_RD_STABLE 0x1u    /* the instrument says the value is stable */
#define CAL_RD_OVERLOAD 0x2u  /* above range; value is meaningless */
#define CAL_RD_UNDERLOAD 0x4u /* below range; value is meaningless */

/* One reading as the instrument gave it. */
struct cal_reading {
	double value;	    /* as shown, in .unit */
	enum cal_unit unit; /* the unit the instrument showed */
	double value_si;    /* value in the SI base unit (kg for mass) */
	int decimals;	    /* digits shown after the decimal point (resolution) */
	unsigned flags;	    /* CAL_RD_* */
	int64_t t_mono_ms;  /* when the frame arrived (monotonic clock) */
	char raw[128];	    /* the frame as received, without the line terminator */
};

/* What the instrument says about itself. Empty strings when unknown. */
struct cal_dev_info {
	char model[96];	   /* MT-SICS I2 text, e.g. "XS205 Excellence 220.0000 g" */
	char serial[64];   /* MT-SICS I4 */
	char firmware[64]; /* MT-SICS I3 */
};

/* Read modes for the read op. */
enum cal_read_mode {
	CAL_READ_NOW = 0,    /* current value, stable or not (MT-SICS SI) */
	CAL_READ_STABLE = 1, /* the instrument waits for stability (MT-SICS S) */
};

struct cal_device;
struct cal_mb_map;

/*
 * What a bench file says about an instrument beyond its port (API v3):
 * Modbus unit id and register map. Borrowed: the map must outlive the device.
 */
struct cal_dev_opts {
	int unit_id;		      /* Modbus slave / unit id 1..247; 0 = 1 */
	const struct cal_mb_map *map; /* Modbus register map; NULL = none */
};

/* Driver flags. */
#define CAL_DRV_MODBUS 0x1u /* speaks Modbus through libmodbus: needs a modbus-* port */

struct cal_driver {
	const char *name;     /* "mt-sics": lowercase, digits, dashes */
	const char *longname; /* "Mettler Toledo MT-SICS balance" */
	enum cal_dev_class dclass;
	int api_version;	    /* CAL_DRIVER_API_VERSION */
	unsigned flags;		    /* CAL_DRV_* */
	const char *default_serial; /* "9600/8N1" */
	/* Called with dev->tr open: allocate dev->priv, bring the link to a known state. */
	int (*open)(struct cal_device *dev);
	/* Free dev->priv. The transport is closed by the caller. */
	void (*close)(struct cal_device *dev);
	int (*identify)(struct cal_dev_info *out, struct cal_device *dev);
	int (*read)(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode);
	int (*zero)(struct cal_device *dev);
	int (*tare)(struct cal_device *dev);
	/*
	 * Pressure controllers. set_setpoint takes the value in any pressure
	 * unit and converts it to the controller's; a value outside the
	 * controller's range is refused by the controller and comes back as
	 * CAL_ERR_DEVICE naming the value. control(false) stops controlling
	 * (measure only); vent opens the system to atmosphere.
	 */
	int (*set_setpoint)(struct cal_device *dev, double value, enum cal_unit unit);
	int (*control)(struct cal_device *dev, bool on);
	int (*vent)(struct cal_device *dev);
	/*
	 * Instruments with several quantities (a flow meter's flow, totalizer,
	 * temperature): read the one named (API v3). read() reads the main one.
	 * CAL_ERR_NOTFOUND, naming the quantities there are, for another name.
	 */
	int (*read_quantity)(struct cal_reading *out, struct cal_device *dev, const char *name);
};

struct cal_device {
	const struct cal_driver *drv; /* never NULL */
	struct cal_transport *tr;     /* owned */
	void *priv;		      /* driver state, owned by the driver */
	char id[64];		      /* the bench file's id, for messages */
	int timeout_ms;		      /* per command answer, default 2000 */
	int retries;		  /* extra attempts after a timeout or garbled frame, default 2 */
	struct cal_dev_opts opts; /* from the bench file (zero when none) */
};

/* The driver registry: an explicit table in registry.c. */
const struct cal_driver *cal_driver_find(const char *name);
/* All drivers; *n receives the count. */
const struct cal_driver *const *cal_driver_list(size_t *n);

/*
 * Open the transport, then the driver. On failure *out is NULL and the
 * message names the instrument id and port.
 */
int cal_dev_open(struct cal_device **out, const char *driver_name, const struct cal_port_cfg *cfg,
		 const char *id);
/* The same with the bench file's options (Modbus unit id and map); @opts may be NULL. */
int cal_dev_open_opts(struct cal_device **out, const char *driver_name,
		      const struct cal_port_cfg *cfg, const char *id,
		      const struct cal_dev_opts *opts);

/*
 * Open a device on a transport the caller already has (a custom transport
 * in tests, or one opened by other means). Takes ownership of @tr: it is
 * closed on failure too. @id may be NULL ("" then). Same defaults and
 * messages as cal_dev_open().
 */
int cal_dev_open_transport(struct cal_device **out, const struct cal_driver *drv,
			   struct cal_transport *tr, const char *id);

/* NULL is accepted. */
void cal_dev_close(struct cal_device *dev);

int cal_dev_identify(struct cal_dev_info *out, struct cal_device *dev);
int cal_dev_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode);
int cal_dev_zero(struct cal_device *dev);
int cal_dev_tare(struct cal_device *dev);
int cal_dev_set_setpoint(struct cal_device *dev, double value, enum cal_unit unit);
int cal_dev_control(struct cal_device *dev, bool on);
int cal_dev_vent(struct cal_device *dev);
int cal_dev_read_quantity(struct cal_reading *out, struct cal_device *dev, const char *name);

/* Called by cal_dev_read_stable() with each reading while waiting; return non-zero to stop. */
typedef int (*cal_reading_progress_fn)(const struct cal_reading *rd, void *payload);

/* How long overload/underload must last before cal_dev_read_stable() reports it, ms. */
#define CAL_RANGE_HOLD_MS 2000

/*
 * Poll CAL_READ_NOW until the instrument reports a stable value, at most
 * timeout_ms on @clock. Returns CAL_OK with the stable reading, or
 * CAL_ERR_UNSTABLE with the last (unstable) reading in *out, or the error of
 * the last read. Overload/underload that lasts CAL_RANGE_HOLD_MS (or until
 * the timeout, if sooner) returns CAL_ERR_RANGE with the reading; a shorter
 * one is waited out like an unstable reading.
 */
int cal_dev_read_stable(struct cal_reading *out, struct cal_device *dev,
			const struct cal_clock *clock, int timeout_ms,
			cal_reading_progress_fn progress, void *payload);

/*
 * Settling of a pressure (or any controlled) reference at a setpoint, with
 * evidence: a point is accepted only when, for @hold_ms without a break,
 *   - the controller reported its own criterion (in-limits, stable, ready:
 *     CAL_RD_STABLE) on every sample, when @require_flag, and
 *   - every sample was within @band_si of @setpoint_si, when band_si > 0, and
 *   - the least-squares slope of the samples of that window is at most
 *     @max_rate_si in magnitude (SI unit per second, Pa/s for pressure).
 * Any sample that breaks a condition restarts the window. Nothing is
 * accepted after @timeout_ms: CAL_ERR_UNSTABLE with the reason (which
 * condition never held, last value, rate), so that a leak or an
 * unreachable setpoint ends the point clearly, never with a reading taken
 * while unstable. The samples of the accepting window are the evidence.
 */
struct cal_settle_rule {
	double setpoint_si; /* target, SI unit */
	double band_si;	    /* |p - setpoint| limit; 0 = not checked */
	double max_rate_si; /* |slope| limit, SI unit per second; > 0 */
	int hold_ms;	    /* uninterrupted time the conditions must hold; >= 0 */
	int timeout_ms;	    /* from the call; > 0 */
	int poll_ms;	    /* between samples; > 0 */
	bool require_flag;  /* the device's own stable/in-limits flag must be set */
	enum cal_unit unit; /* unit the rule is written in for people; NONE = SI */
};

#define CAL_SETTLE_MAX_SAMPLES 256

struct cal_settle_result {
	struct cal_reading reading; /* the accepted (last) sample, or the last one seen */
	double rate_si;		    /* slope over the window, SI unit per second */
	int64_t held_ms;	    /* how long the window had lasted */
	int polls;		    /* samples read in all */
	size_t n_samples;	    /* samples of the accepting window, oldest first */
	struct cal_reading samples[CAL_SETTLE_MAX_SAMPLES];
	char rule_text[192]; /* the rule, in words, stored with the point */
};

int cal_dev_settle(struct cal_settle_result *out, struct cal_device *dev,
		   const struct cal_clock *clock, const struct cal_settle_rule *rule,
		   cal_reading_progress_fn progress, void *payload);

#endif
