/*
 * Mettler Toledo MT-SICS balances: private to this driver folder.
 *
 * protocol.c does the command/answer exchange (send, wait, skip stray lines,
 * retry); api.c turns answers into readings and error codes.
 */
#ifndef CAL_DRIVERS_BALANCE_MT_SICS_PROTOCOL_H
#define CAL_DRIVERS_BALANCE_MT_SICS_PROTOCOL_H

#include <stdint.h>

#define LOG_PREFIX "mt-sics"
#include "cal/driver.h"
#include "cal/log.h"
#include "cal/mtsics.h"

/*
 * S, Z and T wait in the balance until the weight is stable, then answer
 * (or answer "S I" after the balance's own timeout, model-specific, "a few
 * seconds"). Their answer may therefore come this much later than
 * dev->timeout_ms allows for other commands.
 */
#define MTSICS_STABLE_WAIT_MS 5000

/* After "@", the link counts as quiet when no line came for this long. */
#define MTSICS_QUIET_MS 200

/* Driver state in dev->priv. */
struct dev_context {
	int stable_wait_ms; /* extra wait for S, Z, T; >= 0 */
};

/* One answer line, parsed, with its raw bytes and arrival time. */
struct mtsics_answer {
	struct cal_mtsics_resp resp;
	char raw[CAL_MTSICS_LINE_MAX + 1]; /* NUL-terminated, no terminator */
	int64_t t_mono_ms;		   /* when the line was complete */
};

/*
 * Send "@" (cancel, answers I4), read and drop lines until the link has
 * been quiet for MTSICS_QUIET_MS, then flush. No answer is not an error
 * here (the next command reports it).
 */
int mtsics_reset(struct cal_device *dev);

/*
 * Send @cmd + CR LF and wait for the line whose ID is @id, skipping lines
 * with another ID (late answers, unsolicited I4). Timeouts and garbled lines
 * are retried dev->retries times, input flushed before each try.
 * @param[out] out  The answer; on CAL_ERR_DEVICE it holds the ES/ET/EL line.
 * @param wait_ms   How long to wait for the answer, per attempt.
 * @return CAL_OK (any status: the caller judges it), CAL_ERR_DEVICE (ES, ET,
 *         EL), CAL_ERR_TIMEOUT, CAL_ERR_PROTO, CAL_ERR_IO. Messages name
 *         dev->id, the command and the port.
 */
int mtsics_command(struct mtsics_answer *out, struct cal_device *dev, const char *cmd,
		   const char *id, int wait_ms);

#endif /* CAL_DRIVERS_BALANCE_MT_SICS_PROTOCOL_H */
