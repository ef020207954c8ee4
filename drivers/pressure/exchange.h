/*
 * Pressure controllers: what the three drivers share, private to drivers/.
 *
 * One exchange = flush input, send one command line, wait for the reply line
 * that the dialect's parser accepts and the caller's @want says is the
 * answer (stray lines such as a late answer to an earlier command are
 * skipped). A timeout or a garbled line is retried dev->retries more times;
 * everything else is final. Commands without a reply (SCPI, Mensor) are
 * only sent.
 */
#ifndef CAL_DRIVERS_PRESSURE_EXCHANGE_H
#define CAL_DRIVERS_PRESSURE_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "cal/driver.h"
#include "cal/pressure.h"

typedef int (*prs_parse_fn)(struct cal_prs_reply *out, const char *line, size_t len);

/* Is this parsed line the answer we wait for? true = take it, false = skip it. */
typedef bool (*prs_want_fn)(const struct cal_prs_reply *r, const void *arg);

/* A dialect: parser and line terminator the host sends. */
struct prs_dialect {
	const char *name; /* "PACE", for messages */
	prs_parse_fn parse;
	const char *eol; /* "\n" or "\r\n" */
};

/* One reply: parsed, raw, arrival time. */
struct prs_answer {
	struct cal_prs_reply r;
	char raw[CAL_PRS_LINE_MAX + 1];
	int64_t t_mono_ms;
};

/*
 * Send @cmd and wait up to @wait_ms per attempt for the reply @want accepts
 * (NULL: the first valid line).
 * @return CAL_OK, CAL_ERR_TIMEOUT, CAL_ERR_PROTO, CAL_ERR_IO; messages name
 *         dev->id, the command and the port.
 */
int prs_query(struct prs_answer *out, struct cal_device *dev, const struct prs_dialect *d,
	      const char *cmd, prs_want_fn want, const void *arg, int wait_ms);

/* Send @cmd (no reply expected). */
int prs_send(struct cal_device *dev, const struct prs_dialect *d, const char *cmd);

/* Shared want: a PACE reply whose header equals @arg (a const char *). */
bool prs_want_header(const struct cal_prs_reply *r, const void *arg);

/* Format v for a command: shortest exact text, C locale ("12.5", "-0.9"). */
void prs_format_value(char *buf, size_t size, double v);

/* Copy a field into a fixed buffer, cut, NUL-terminated. */
void prs_copy(char *dst, size_t size, const char *src);

/* A setpoint command and its description for messages. */
struct prs_setpoint {
	char cmd[64];  /* "<prefix> <value>", e.g. ":SOUR:PRES 6" */
	char what[64]; /* "the setpoint 6 bar" */
};

/*
 * Convert a setpoint to the controller's unit @to and build the command
 * "<prefix> <value>" (shortest exact text, C locale). Message names dev->id
 * on failure.
 */
int prs_setpoint_cmd(struct prs_setpoint *out, const struct cal_device *dev, const char *prefix,
		     double value, enum cal_unit from, enum cal_unit to);

/* *IDN? fields into info: model = fields 0 and 1, then serial and firmware by index. */
void prs_fill_info(struct cal_dev_info *out, const struct cal_prs_reply *r, int serial_field,
		   int firmware_field);

/*
 * Pop one entry of an error queue (PACE ":SYST:ERR?", Mensor "Error?"):
 * reply "<code>,<text>"; *code 0 when the queue is empty. @header: the
 * echoed header to wait for, or NULL.
 */
int prs_read_error(int *code, char *text, size_t size, struct cal_device *dev,
		   const struct prs_dialect *d, const char *cmd, const char *header);

/* SCPI and Mensor error queues hold 10; one more read shows the queue empty. */
#define PRS_ERR_QUEUE 11

/*
 * Empty an error queue: the first entry in code/text (0 when it was empty),
 * the rest read and dropped so that the next command starts clean. Only the
 * first read's failure is returned.
 */
int prs_drain_errors(int *code, char *text, size_t size, struct cal_device *dev,
		     const struct prs_dialect *d, const char *cmd, const char *header);

/* Allocate dev->priv of @size (zeroed); the shared close frees it. */
int prs_alloc_priv(struct cal_device *dev, size_t size);
void prs_close(struct cal_device *dev);

/* Fill a reading from a value in @unit with @decimals. */
void prs_fill_reading(struct cal_reading *rd, const struct prs_answer *a, double value,
		      int decimals, enum cal_unit unit, bool stable);

#endif /* CAL_DRIVERS_PRESSURE_EXCHANGE_H */
