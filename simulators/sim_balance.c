/*
 * MT-SICS balance simulator: the command set (protocols.md §1), the fault
 * injection and the server thread. Physics live in sim_model.c, file
 * descriptors in sim_link.c, the text control in sim_control.c.
 *
 * Wire rules followed here:
 *  - input lines end in CR LF, CR or LF (CR LF counts once); empty lines are
 *    ignored; a line longer than SIM_LINE_MAX bytes is discarded up to its
 *    end and answered "ES"; any NUL byte makes a line unrecognised ("ES");
 *  - commands are case-sensitive (upper case); unknown command -> "ES";
 *    a known command with parameters it does not take, or with malformed
 *    parameters -> "EL"; a well-formed but inadmissible parameter -> the
 *    command's own "L" status (D L, TA L);
 *  - every response ends in CR LF; weight responses are
 *    "<ID> <status> <value, right-justified in 10 characters> g";
 *  - S, SI (and the immediate variants) answer with ID "S";
 *  - S, Z and T wait for stability up to stable_timeout_ms, then answer
 *    "S I"/"Z I"/"T I"; an "@" line arriving meanwhile aborts them (no reply
 *    to the aborted command) and drops queued commands, then answers I4;
 *  - one command, one answer, in order: lines arriving while a command is
 *    served wait in a queue of SIM_QUEUE_LEN lines (more are dropped).
 * Zeroing (Z, ZI) clears the tare, as on most balances.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/num.h"
#define LOG_PREFIX "sim-balance"
#include "cal/log.h"

#include "sim_balance_int.h"

#define POLL_MS 20	      /* longest sleep of the server thread, ms */
#define WRITE_TIMEOUT_MS 1000 /* give up a reply the client does not take, ms */
#define D_TEXT_MAX 20	      /* characters the simulated display can show */

struct sim_cmd {
	const char *name; /* command as sent, upper case */
	int level;	  /* MT-SICS level, for I0 */
	bool args;	  /* takes parameters */
	size_t (*fn)(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms);
};

/* ---- formatting --------------------------------------------------------- */

static size_t put(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* snprintf that returns the length actually stored (never more than size - 1). */
static size_t put(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (size == 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

/* "<id> <status> <value in 10 chars> g" CR LF, value rounded to d. */
static size_t put_weight(struct cal_sim_balance *sim, char *buf, size_t size, const char *id,
			 char status, double value_g)
{
	char num[64];

	cal_num_format(num, sizeof(num), sim_round_to_d(value_g, sim->cfg.d_g), sim->decimals);
	return put(buf, size, "%s %c %10s g\r\n", id, status, num);
}

/* Printable copy of wire bytes for the log: non-printables as \xNN. */
static void escape(char *out, size_t size, const char *in, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02X", c);
	}
	out[o] = '\0';
}

/* ---- commands ------------------------------------------------------------ */

static void start_wait(struct cal_sim_balance *sim, char cmd, int64_t now_ms)
{
	sim->conn.busy = SIM_WAIT;
	sim->conn.wait_cmd = cmd;
	sim->conn.deadline_ms = now_ms + sim->cfg.stable_timeout_ms;
}

static size_t cmd_s(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		    size_t alen, int64_t now_ms)
{
	start_wait(sim, 'S', now_ms);
	return 0;
}

static size_t cmd_z(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		    size_t alen, int64_t now_ms)
{
	start_wait(sim, 'Z', now_ms);
	return 0;
}

static size_t cmd_t(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		    size_t alen, int64_t now_ms)
{
	start_wait(sim, 'T', now_ms);
	return 0;
}

static size_t cmd_si(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	struct sim_reading r;

	pthread_mutex_lock(&sim->lock);
	sim_model_read(&r, &sim->model, now_ms);
	pthread_mutex_unlock(&sim->lock);
	if (r.over)
		return put(reply, size, "S +\r\n");
	if (r.under)
		return put(reply, size, "S -\r\n");
	return put_weight(sim, reply, size, "S", r.stable ? 'S' : 'D', r.net_g);
}

/*
 * Set a new zero at @gross_g (g, relative to the current zero) if it stays
 * within the zero range around the power-up zero; clears the tare.
 * Caller holds the lock. Returns '+', '-' or 0 when done.
 */
static char do_zero(struct sim_model *m, double gross_g)
{
	double zero = m->zero_g + gross_g;
	double range = SIM_ZERO_RANGE * m->max_g;

	if (zero > range)
		return '+';
	if (zero < -range)
		return '-';
	m->zero_g = zero;
	m->tare_g = 0;
	return 0;
}

/* Take @gross_g as the tare if 0 <= tare <= Max (within d/2). Caller holds the lock. */
static char do_tare(struct sim_model *m, double gross_g)
{
	if (gross_g < -m->d_g / 2)
		return '-';
	if (gross_g > m->max_g + m->d_g / 2)
		return '+';
	m->tare_g = gross_g;
	return 0;
}

static size_t cmd_zi(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	struct sim_reading r;
	char res;

	/* only the zero range decides: zeroing an underloaded display is allowed */
	pthread_mutex_lock(&sim->lock);
	sim_model_read(&r, &sim->model, now_ms);
	res = do_zero(&sim->model, r.gross_g);
	pthread_mutex_unlock(&sim->lock);
	if (res)
		return put(reply, size, "ZI %c\r\n", res);
	return put(reply, size, "ZI %c\r\n", r.stable ? 'S' : 'D');
}

static size_t cmd_ti(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	struct sim_reading r;
	char res = '+';

	pthread_mutex_lock(&sim->lock);
	sim_model_read(&r, &sim->model, now_ms);
	if (r.under)
		res = '-';
	else if (!r.over)
		res = do_tare(&sim->model, r.gross_g);
	pthread_mutex_unlock(&sim->lock);
	if (res)
		return put(reply, size, "TI %c\r\n", res);
	return put_weight(sim, reply, size, "TI", r.stable ? 'S' : 'D', r.gross_g);
}

/* TA: query the tare; "TA <value> g": preset it (0..Max). */
static size_t cmd_ta(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	const char *sp;
	double v, tare;

	if (alen == 0) {
		pthread_mutex_lock(&sim->lock);
		tare = sim->model.tare_g;
		pthread_mutex_unlock(&sim->lock);
		return put_weight(sim, reply, size, "TA", 'A', tare);
	}
	sp = memchr(args, ' ', alen);
	if (!sp || cal_num_parse(&v, NULL, args, (size_t)(sp - args)) != CAL_OK)
		return put(reply, size, "EL\r\n");
	if (alen - (size_t)(sp + 1 - args) != 1 || sp[1] != 'g')
		return put(reply, size, "TA L\r\n");
	tare = sim_round_to_d(v, sim->cfg.d_g);
	if (tare < 0 || tare > sim->cfg.max_g)
		return put(reply, size, "TA L\r\n");
	pthread_mutex_lock(&sim->lock);
	sim->model.tare_g = tare;
	pthread_mutex_unlock(&sim->lock);
	return put_weight(sim, reply, size, "TA", 'A', tare);
}

static size_t cmd_tac(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		      size_t alen, int64_t now_ms)
{
	pthread_mutex_lock(&sim->lock);
	sim->model.tare_g = 0;
	pthread_mutex_unlock(&sim->lock);
	return put(reply, size, "TAC A\r\n");
}

static size_t cmd_i4(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	return put(reply, size, "I4 A \"%s\"\r\n", sim->cfg.serial);
}

/* @: pending commands were already aborted on receipt; clear the tare, answer as I4. */
static size_t cmd_reset(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
			size_t alen, int64_t now_ms)
{
	pthread_mutex_lock(&sim->lock);
	sim->model.tare_g = 0;
	sim->display_text[0] = '\0';
	pthread_mutex_unlock(&sim->lock);
	return cmd_i4(sim, reply, size, args, alen, now_ms);
}

static size_t cmd_i1(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	return put(reply, size, "I1 A \"01\" \"2.20\" \"2.20\" \"\" \"\"\r\n");
}

static size_t cmd_i2(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	char max[64];

	cal_num_format(max, sizeof(max), sim->cfg.max_g, sim->decimals);
	return put(reply, size, "I2 A \"%s %s g\"\r\n", sim->cfg.model, max);
}

static size_t cmd_i3(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	return put(reply, size, "I3 A \"calbench-sim 1.0\"\r\n");
}

/* D "text": show a text; D L when it does not fit on the display. */
static size_t cmd_d(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		    size_t alen, int64_t now_ms)
{
	size_t tlen;

	if (alen < 2 || args[0] != '"' || args[alen - 1] != '"' || memchr(args + 1, '"', alen - 2))
		return put(reply, size, "EL\r\n");
	tlen = alen - 2;
	if (tlen > D_TEXT_MAX)
		return put(reply, size, "D L\r\n");
	pthread_mutex_lock(&sim->lock);
	memcpy(sim->display_text, args + 1, tlen);
	sim->display_text[tlen] = '\0';
	pthread_mutex_unlock(&sim->lock);
	return put(reply, size, "D A\r\n");
}

static size_t cmd_dw(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	pthread_mutex_lock(&sim->lock);
	sim->display_text[0] = '\0';
	pthread_mutex_unlock(&sim->lock);
	return put(reply, size, "DW A\r\n");
}

static size_t cmd_i0(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms);

static const struct sim_cmd cmd_table[] = {
	{ "@", 0, false, cmd_reset }, { "I0", 0, false, cmd_i0 }, { "I1", 0, false, cmd_i1 },
	{ "I2", 0, false, cmd_i2 },   { "I3", 0, false, cmd_i3 }, { "I4", 0, false, cmd_i4 },
	{ "S", 0, false, cmd_s },     { "SI", 0, false, cmd_si }, { "Z", 0, false, cmd_z },
	{ "ZI", 0, false, cmd_zi },   { "D", 1, true, cmd_d },	  { "DW", 1, false, cmd_dw },
	{ "T", 1, false, cmd_t },     { "TA", 1, true, cmd_ta },  { "TAC", 1, false, cmd_tac },
	{ "TI", 1, false, cmd_ti },
};

/* I0: one "I0 B <level> "<cmd>"" line per command, then "I0 A". */
static size_t cmd_i0(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		n += put(reply + n, size - n, "I0 B %d \"%s\"\r\n", cmd_table[i].level,
			 cmd_table[i].name);
	n += put(reply + n, size - n, "I0 A\r\n");
	return n;
}

/*
 * Serve one command line. Returns the reply length, or 0 when the command
 * now waits for stability (conn.busy = SIM_WAIT).
 */
static size_t handle_line(struct cal_sim_balance *sim, char *reply, size_t size,
			  const struct sim_line *l, int64_t now_ms)
{
	const char *text = l->text;
	const char *args = "";
	size_t len = l->len, clen, alen = 0;
	const char *sp;

	if (l->too_long || memchr(text, '\0', len))
		return put(reply, size, "ES\r\n");
	while (len > 0 && text[len - 1] == ' ')
		len--;
	sp = memchr(text, ' ', len);
	clen = sp ? (size_t)(sp - text) : len;
	if (sp) {
		args = sp + 1;
		alen = len - clen - 1;
		while (alen > 0 && args[0] == ' ') {
			args++;
			alen--;
		}
	}
	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++) {
		const struct sim_cmd *c = &cmd_table[i];

		if (strlen(c->name) != clen || memcmp(c->name, text, clen) != 0)
			continue;
		if (alen > 0 && !c->args)
			return put(reply, size, "EL\r\n");
		return c->fn(sim, reply, size, args, alen, now_ms);
	}
	return put(reply, size, "ES\r\n");
}

/* S, Z or T waiting: the reply once stable or timed out, else 0. */
static size_t eval_wait(struct cal_sim_balance *sim, char *reply, size_t size, int64_t now_ms)
{
	char cmd = sim->conn.wait_cmd;
	bool timeout = now_ms >= sim->conn.deadline_ms;
	struct sim_reading r;
	size_t n = 0;
	char res;

	pthread_mutex_lock(&sim->lock);
	sim_model_read(&r, &sim->model, now_ms);
	if (cmd != 'Z' && (r.over || r.under)) {
		/* S and T answer overload/underload at once; Z obeys the zero range only */
		n = put(reply, size, "%c %c\r\n", cmd, r.over ? '+' : '-');
	} else if (r.stable) {
		switch (cmd) {
		case 'S':
			n = put_weight(sim, reply, size, "S", 'S', r.net_g);
			break;
		case 'Z':
			res = do_zero(&sim->model, r.mean_gross_g);
			n = put(reply, size, "Z %c\r\n", res ? res : 'A');
			break;
		default:
			res = do_tare(&sim->model, r.mean_gross_g);
			if (res)
				n = put(reply, size, "T %c\r\n", res);
			else
				n = put_weight(sim, reply, size, "T", 'S', r.mean_gross_g);
			break;
		}
	} else if (timeout) {
		n = put(reply, size, "%c I\r\n", cmd);
	}
	pthread_mutex_unlock(&sim->lock);
	return n;
}

/* ---- server thread -------------------------------------------------------- */

static void conn_reset(struct sim_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->busy = SIM_IDLE;
}

/* Close the link: TCP client dropped (accept again), or pty closed for good. */
static void close_link(struct cal_sim_balance *sim)
{
	if (sim->link.kind == SIM_LINK_TCP) {
		sim_link_drop_client(&sim->link);
	} else {
		sim_link_close_pty(&sim->link);
		pthread_mutex_lock(&sim->lock);
		sim->link_closed = true;
		pthread_mutex_unlock(&sim->lock);
	}
	conn_reset(&sim->conn);
	pthread_mutex_lock(&sim->lock);
	sim->client = false;
	pthread_mutex_unlock(&sim->lock);
}

/* Write bytes; false when the link went away. @counted: a reply (stats). */
static bool send_bytes(struct cal_sim_balance *sim, const char *buf, size_t len, bool counted)
{
	char esc[SIM_REPLY_MAX * 4 + 1];
	int rc;

	/*
	 * Counted before the write: a client that has read the reply must
	 * already see it in the statistics (tests read them right after).
	 */
	if (counted) {
		pthread_mutex_lock(&sim->lock);
		sim->n_replies++;
		pthread_mutex_unlock(&sim->lock);
	}
	rc = sim_link_write(&sim->link, buf, len, WRITE_TIMEOUT_MS, &sim->stop);
	if (rc != CAL_OK) {
		if (counted) {
			pthread_mutex_lock(&sim->lock);
			sim->n_replies--;
			pthread_mutex_unlock(&sim->lock);
		}
		log_warn("reply not sent: %s", cal_error_last());
		if (sim->link.kind == SIM_LINK_TCP && rc != CAL_ERR_TIMEOUT) {
			close_link(sim);
			return false;
		}
		return true;
	}
	if (cal_log_get_level() >= CAL_LOG_SPEW) {
		escape(esc, sizeof(esc), buf, len);
		log_spew("-> %s", esc);
	}
	return true;
}

/* Power-up line, unsolicited, never affected by faults nor counted. */
static bool greet(struct cal_sim_balance *sim)
{
	char line[64];
	size_t n;

	if (!sim->cfg.power_up_i4)
		return true;
	n = put(line, sizeof(line), "I4 A \"%s\"\r\n", sim->cfg.serial);
	return send_bytes(sim, line, n, false);
}

/*
 * Change one byte of @reply (never CR or LF): a digit becomes another digit
 * when @r is odd and there is a digit, else a byte becomes non-ASCII.
 */
static void garble(char *reply, size_t len, uint64_t r)
{
	size_t ndig = 0, npos = 0, want;

	for (size_t i = 0; i < len; i++) {
		if (reply[i] >= '0' && reply[i] <= '9')
			ndig++;
		if (reply[i] != '\r' && reply[i] != '\n')
			npos++;
	}
	if (npos == 0)
		return;
	if ((r & 1) && ndig > 0) {
		want = (size_t)((r >> 1) % ndig);
		for (size_t i = 0; i < len; i++) {
			if (reply[i] < '0' || reply[i] > '9')
				continue;
			if (want-- == 0) {
				reply[i] = (char)('0' +
						  (reply[i] - '0' + 1 + (int)((r >> 8) % 9)) % 10);
				return;
			}
		}
	}
	want = (size_t)((r >> 1) % npos);
	for (size_t i = 0; i < len; i++) {
		if (reply[i] == '\r' || reply[i] == '\n')
			continue;
		if (want-- == 0) {
			reply[i] = (char)(0x80 | ((r >> 8) & 0x7f));
			return;
		}
	}
}

/* Send a reply through the armed fault. False when the link is gone. */
static bool emit(struct cal_sim_balance *sim, char *reply, size_t len, int64_t now_ms)
{
	enum cal_sim_fault f = CAL_SIM_FAULT_NONE;
	struct sim_conn *c = &sim->conn;
	uint64_t r = 0;
	int late_ms = 0;

	pthread_mutex_lock(&sim->lock);
	if (sim->fault != CAL_SIM_FAULT_NONE && sim->fault_count > 0) {
		f = sim->fault;
		late_ms = sim->late_ms;
		r = sim_xorshift64(&sim->rng);
		if (--sim->fault_count == 0)
			sim->fault = CAL_SIM_FAULT_NONE;
	}
	pthread_mutex_unlock(&sim->lock);

	switch (f) {
	case CAL_SIM_FAULT_DROP:
		log_dbg("fault: reply dropped");
		return true;
	case CAL_SIM_FAULT_ES:
	case CAL_SIM_FAULT_EL:
		len = put(reply, SIM_REPLY_MAX, "%s\r\n", f == CAL_SIM_FAULT_ES ? "ES" : "EL");
		log_dbg("fault: reply replaced by %.2s", reply);
		break;
	case CAL_SIM_FAULT_GARBLE:
		garble(reply, len, r);
		log_dbg("fault: reply garbled");
		break;
	case CAL_SIM_FAULT_LATE:
		memcpy(c->late, reply, len);
		c->late_len = len;
		c->due_ms = now_ms + late_ms;
		c->busy = SIM_LATE;
		log_dbg("fault: reply held back %d ms", late_ms);
		return true;
	case CAL_SIM_FAULT_CLOSE:
		log_dbg("fault: link closed instead of a reply");
		close_link(sim);
		return false;
	default:
		break;
	}
	return send_bytes(sim, reply, len, true);
}

/* A complete line arrived: count it, handle "@" at once, queue it. */
static void finish_line(struct cal_sim_balance *sim)
{
	struct sim_conn *c = &sim->conn;
	char esc[SIM_LINE_MAX * 4 + 1];
	struct sim_line *l;

	if (c->len == 0 && !c->overflow)
		return; /* empty line: ignored */
	pthread_mutex_lock(&sim->lock);
	sim->n_commands++;
	pthread_mutex_unlock(&sim->lock);
	escape(esc, sizeof(esc), c->line, c->len);
	log_dbg("<- %s%s", esc, c->overflow ? "... (too long)" : "");
	if (!c->overflow && c->len == 1 && c->line[0] == '@') {
		if (c->busy == SIM_WAIT) {
			log_dbg("@ aborts the pending %c", c->wait_cmd);
			c->busy = SIM_IDLE;
		}
		c->q_head = 0;
		c->q_len = 0;
	}
	if (c->q_len == SIM_QUEUE_LEN) {
		log_warn("command queue full: line dropped");
	} else {
		l = &c->q[(c->q_head + c->q_len) % SIM_QUEUE_LEN];
		c->q_len++;
		l->too_long = c->overflow;
		l->len = c->overflow ? 0 : c->len;
		memcpy(l->text, c->line, l->len);
	}
	c->len = 0;
	c->overflow = false;
}

static void feed(struct cal_sim_balance *sim, const char *buf, size_t n)
{
	struct sim_conn *c = &sim->conn;

	for (size_t i = 0; i < n; i++) {
		char ch = buf[i];

		if (ch == '\n' && c->after_cr) {
			c->after_cr = false;
			continue;
		}
		c->after_cr = ch == '\r';
		if (ch == '\r' || ch == '\n') {
			finish_line(sim);
			continue;
		}
		if (c->overflow)
			continue;
		if (c->len == SIM_LINE_MAX) {
			c->overflow = true;
			continue;
		}
		c->line[c->len++] = ch;
	}
}

/* Advance pending work: late replies, waits, then queued commands. */
static void step(struct cal_sim_balance *sim)
{
	struct sim_conn *c = &sim->conn;
	char reply[SIM_REPLY_MAX];

	for (int guard = 0; guard < SIM_QUEUE_LEN + 2; guard++) {
		int64_t now = cal_mono_ms();
		struct sim_line line;
		size_t len;

		if (sim_link_io_fd(&sim->link) < 0)
			return;
		if (c->busy == SIM_LATE) {
			if (now < c->due_ms)
				return;
			c->busy = SIM_IDLE;
			if (!send_bytes(sim, c->late, c->late_len, true))
				return;
			continue;
		}
		if (c->busy == SIM_WAIT) {
			len = eval_wait(sim, reply, sizeof(reply), now);
			if (len == 0)
				return;
			c->busy = SIM_IDLE;
		} else {
			if (c->q_len == 0)
				return;
			line = c->q[c->q_head];
			c->q_head = (c->q_head + 1) % SIM_QUEUE_LEN;
			c->q_len--;
			len = handle_line(sim, reply, sizeof(reply), &line, now);
			if (len == 0)
				continue; /* now waiting */
		}
		if (!emit(sim, reply, len, now))
			return;
	}
}

static bool take_close_now(struct cal_sim_balance *sim)
{
	bool v;

	pthread_mutex_lock(&sim->lock);
	v = sim->close_now;
	sim->close_now = false;
	pthread_mutex_unlock(&sim->lock);
	return v;
}

static int next_timeout_ms(const struct cal_sim_balance *sim)
{
	int64_t left;

	if (sim->conn.busy != SIM_LATE)
		return POLL_MS;
	left = sim->conn.due_ms - cal_mono_ms();
	if (left < 0)
		return 0;
	return left < POLL_MS ? (int)left : POLL_MS;
}

static void *serve(void *arg)
{
	struct cal_sim_balance *sim = arg;
	char buf[512];

	if (sim->link.kind == SIM_LINK_PTY)
		greet(sim);
	while (!atomic_load(&sim->stop)) {
		struct pollfd pfd;
		bool accepted, gone;
		size_t got;
		int fd;

		if (take_close_now(sim) && sim_link_io_fd(&sim->link) >= 0) {
			log_dbg("fault: link closed");
			close_link(sim);
		}
		fd = sim_link_io_fd(&sim->link);
		if (fd < 0) {
			if (sim->link.kind != SIM_LINK_TCP)
				break; /* pty closed: the simulator stops */
			if (sim_link_accept(&sim->link, POLL_MS, &accepted) != CAL_OK) {
				log_warn("%s", cal_error_last());
				poll(NULL, 0, POLL_MS);
				continue;
			}
			if (accepted) {
				conn_reset(&sim->conn);
				pthread_mutex_lock(&sim->lock);
				sim->client = true;
				pthread_mutex_unlock(&sim->lock);
				greet(sim);
			}
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, next_timeout_ms(sim)) > 0 && pfd.revents) {
			/* "fault close" given while we slept: no more replies */
			if (take_close_now(sim)) {
				log_dbg("fault: link closed");
				close_link(sim);
				continue;
			}
			sim_link_read(&sim->link, buf, sizeof(buf), &got, &gone);
			if (gone) {
				close_link(sim);
				continue;
			}
			feed(sim, buf, got);
		}
		step(sim);
	}
	atomic_store(&sim->running, false);
	return NULL;
}

/* ---- public API ----------------------------------------------------------- */

void cal_sim_balance_cfg_default(struct cal_sim_balance_cfg *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->model, sizeof(cfg->model), "%s", "calbench SIM-BAL");
	snprintf(cfg->serial, sizeof(cfg->serial), "%s", "SIM0001");
	cfg->max_g = 30000;
	cfg->d_g = 5;
	cfg->noise_g = 0;
	cfg->settle_ms = 800;
	cfg->stable_timeout_ms = 3000;
	cfg->drift_g_per_min = 0;
	cfg->n_err = 0;
	cfg->seed = 1;
	cfg->power_up_i4 = true;
}

/* Parse s[0..len) with surrounding spaces as a number. */
static int parse_num_trim(double *out, const char *s, size_t len)
{
	while (len > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return cal_num_parse(out, NULL, s, len);
}

int cal_sim_balance_parse_profile(struct cal_sim_balance_cfg *cfg, const char *text)
{
	struct cal_sim_err_point pts[CAL_SIM_ERR_POINTS_MAX];
	const char *p = text;
	size_t n = 0;

	if (!cfg || !text)
		return cal_error_set(CAL_ERR_ARG, "error profile: no text");
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || strcmp(p, "none") == 0) {
		cfg->n_err = 0;
		return CAL_OK;
	}
	for (size_t item = 1;; item++) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *colon = memchr(p, ':', len);
		int show = len > 40 ? 40 : (int)len;
		double load, err;

		if (!colon)
			return cal_error_set(
				CAL_ERR_ARG,
				"error profile item %zu '%.*s': expected load_g:error_g", item,
				show, p);
		if (parse_num_trim(&load, p, (size_t)(colon - p)) != CAL_OK)
			return cal_error_set(CAL_ERR_ARG, "error profile item %zu '%.*s': bad load",
					     item, show, p);
		if (parse_num_trim(&err, colon + 1, len - (size_t)(colon + 1 - p)) != CAL_OK)
			return cal_error_set(CAL_ERR_ARG,
					     "error profile item %zu '%.*s': bad error", item, show,
					     p);
		if (n == CAL_SIM_ERR_POINTS_MAX)
			return cal_error_set(CAL_ERR_ARG,
					     "error profile item %zu '%.*s': more than %d points",
					     item, show, p, CAL_SIM_ERR_POINTS_MAX);
		if (n > 0 && load <= pts[n - 1].load_g)
			return cal_error_set(CAL_ERR_ARG,
					     "error profile item %zu '%.*s': loads must increase",
					     item, show, p);
		pts[n].load_g = load;
		pts[n].err_g = err;
		n++;
		if (!end)
			break;
		p = end + 1;
	}
	memcpy(cfg->err, pts, n * sizeof(pts[0]));
	cfg->n_err = n;
	return CAL_OK;
}

/* Keep a text printable and free of '"' so it can sit inside "..." on the wire. */
static void sanitize(char *s, size_t size)
{
	s[size - 1] = '\0';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '"')
			*s = '?';
	}
}

int cal_sim_balance_new(struct cal_sim_balance **out, const struct cal_sim_balance_cfg *cfg)
{
	struct cal_sim_balance_cfg def;
	struct cal_sim_balance *sim;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "simulator: no out pointer");
	*out = NULL;
	if (!cfg) {
		cal_sim_balance_cfg_default(&def);
		cfg = &def;
	}
	if (!isfinite(cfg->max_g) || cfg->max_g <= 0)
		return cal_error_set(CAL_ERR_ARG, "simulator: max_g must be > 0");
	if (!isfinite(cfg->d_g) || cfg->d_g <= 0 || cfg->d_g > cfg->max_g)
		return cal_error_set(CAL_ERR_ARG, "simulator: d_g must be > 0 and <= max_g");
	if (!isfinite(cfg->noise_g) || cfg->noise_g < 0)
		return cal_error_set(CAL_ERR_ARG, "simulator: noise_g must be >= 0");
	if (!isfinite(cfg->drift_g_per_min))
		return cal_error_set(CAL_ERR_ARG, "simulator: drift_g_per_min must be finite");
	if (cfg->settle_ms < 0 || cfg->stable_timeout_ms < 0)
		return cal_error_set(CAL_ERR_ARG, "simulator: settle_ms and stable_timeout_ms "
						  "must be >= 0");
	if (cfg->n_err > CAL_SIM_ERR_POINTS_MAX)
		return cal_error_set(CAL_ERR_ARG, "simulator: more than %d error points",
				     CAL_SIM_ERR_POINTS_MAX);
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return cal_error_set(CAL_ERR_NOMEM, "simulator: out of memory");
	sim->cfg = *cfg;
	sanitize(sim->cfg.model, sizeof(sim->cfg.model));
	sanitize(sim->cfg.serial, sizeof(sim->cfg.serial));
	sim->decimals = sim_decimals(cfg->d_g);
	pthread_mutex_init(&sim->lock, NULL);
	sim_model_init(&sim->model, &sim->cfg, cal_mono_ms());
	sim->rng = 0x2545F4914F6CDD1DULL ^ ((uint64_t)cfg->seed * 0x9E3779B97F4A7C15ULL);
	if (sim->rng == 0)
		sim->rng = 1;
	sim_link_init(&sim->link);
	conn_reset(&sim->conn);
	atomic_init(&sim->stop, false);
	atomic_init(&sim->running, false);
	*out = sim;
	return CAL_OK;
}

int cal_sim_balance_listen_pty(struct cal_sim_balance *sim, char *path_out, size_t size)
{
	int rc;

	if (!sim || !path_out || size == 0)
		return cal_error_set(CAL_ERR_ARG, "listen pty: NULL argument");
	if (sim->have_thread || sim->link.kind != SIM_LINK_NONE)
		return cal_error_set(CAL_ERR_STATE, "simulator is already listening");
	rc = sim_link_open_pty(&sim->link);
	if (rc != CAL_OK)
		return rc;
	if (strlen(sim->link.path) >= size) {
		sim_link_close(&sim->link);
		sim_link_init(&sim->link);
		return cal_error_set(CAL_ERR_ARG, "listen pty: path buffer of %zu bytes too small",
				     size);
	}
	memcpy(path_out, sim->link.path, strlen(sim->link.path) + 1);
	return CAL_OK;
}

int cal_sim_balance_listen_tcp(struct cal_sim_balance *sim, const char *host, int port,
			       int *bound_port)
{
	int rc;

	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "listen tcp: NULL simulator");
	if (sim->have_thread || sim->link.kind != SIM_LINK_NONE)
		return cal_error_set(CAL_ERR_STATE, "simulator is already listening");
	rc = sim_link_open_tcp(&sim->link, host, port);
	if (rc != CAL_OK)
		return rc;
	if (bound_port)
		*bound_port = sim->link.port;
	return CAL_OK;
}

int cal_sim_balance_start(struct cal_sim_balance *sim)
{
	int err;

	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "start: NULL simulator");
	if (sim->have_thread && !atomic_load(&sim->running)) {
		/* the thread left by itself (pty closed): reap it */
		pthread_join(sim->thread, NULL);
		sim->have_thread = false;
	}
	if (sim->have_thread)
		return cal_error_set(CAL_ERR_STATE, "simulator already running");
	if (sim->link.kind == SIM_LINK_NONE)
		return cal_error_set(CAL_ERR_STATE, "simulator is not listening");
	if (sim->link.closed)
		return cal_error_set(CAL_ERR_STATE, "simulator link was closed");
	atomic_store(&sim->stop, false);
	atomic_store(&sim->running, true);
	conn_reset(&sim->conn);
	err = pthread_create(&sim->thread, NULL, serve, sim);
	if (err != 0) {
		atomic_store(&sim->running, false);
		return cal_error_set(CAL_ERR, "pthread_create: %s", strerror(err));
	}
	sim->have_thread = true;
	return CAL_OK;
}

void cal_sim_balance_stop(struct cal_sim_balance *sim)
{
	if (!sim || !sim->have_thread)
		return;
	atomic_store(&sim->stop, true);
	pthread_join(sim->thread, NULL);
	sim->have_thread = false;
	atomic_store(&sim->running, false);
	sim_link_drop_client(&sim->link);
	pthread_mutex_lock(&sim->lock);
	sim->client = false;
	pthread_mutex_unlock(&sim->lock);
}

void cal_sim_balance_free(struct cal_sim_balance *sim)
{
	if (!sim)
		return;
	cal_sim_balance_stop(sim);
	sim_link_close(&sim->link);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}

void cal_sim_balance_set_load(struct cal_sim_balance *sim, double load_g)
{
	if (!sim)
		return;
	if (!isfinite(load_g)) {
		log_warn("set_load: ignoring a non-finite load");
		return;
	}
	pthread_mutex_lock(&sim->lock);
	sim_model_set_load(&sim->model, load_g, cal_mono_ms());
	pthread_mutex_unlock(&sim->lock);
}

void cal_sim_balance_set_error_profile(struct cal_sim_balance *sim,
				       const struct cal_sim_err_point *err, size_t n)
{
	if (!sim)
		return;
	if (!err)
		n = 0;
	if (n > CAL_SIM_ERR_POINTS_MAX)
		log_warn("error profile: only the first %d of %zu points are used",
			 CAL_SIM_ERR_POINTS_MAX, n);
	pthread_mutex_lock(&sim->lock);
	sim_model_set_profile(&sim->model, err, n, cal_mono_ms());
	pthread_mutex_unlock(&sim->lock);
}

void cal_sim_balance_fault(struct cal_sim_balance *sim, enum cal_sim_fault f, int count,
			   int late_ms)
{
	if (!sim)
		return;
	pthread_mutex_lock(&sim->lock);
	if (f == CAL_SIM_FAULT_CLOSE && count <= 0) {
		sim->close_now = true;
	} else if (f < CAL_SIM_FAULT_NONE || f > CAL_SIM_FAULT_EL || count <= 0) {
		sim->fault = CAL_SIM_FAULT_NONE;
		sim->fault_count = 0;
	} else {
		sim->fault = f;
		sim->fault_count = count;
		sim->late_ms = late_ms > 0 ? late_ms : 0;
	}
	if (f == CAL_SIM_FAULT_NONE)
		sim->close_now = false;
	pthread_mutex_unlock(&sim->lock);
}

void cal_sim_balance_stats(struct cal_sim_balance *sim, unsigned long *commands,
			   unsigned long *replies)
{
	if (!sim)
		return;
	pthread_mutex_lock(&sim->lock);
	if (commands)
		*commands = sim->n_commands;
	if (replies)
		*replies = sim->n_replies;
	pthread_mutex_unlock(&sim->lock);
}

static const char *fault_name(enum cal_sim_fault f)
{
	switch (f) {
	case CAL_SIM_FAULT_DROP:
		return "drop";
	case CAL_SIM_FAULT_GARBLE:
		return "garble";
	case CAL_SIM_FAULT_LATE:
		return "late";
	case CAL_SIM_FAULT_CLOSE:
		return "close";
	case CAL_SIM_FAULT_ES:
		return "es";
	case CAL_SIM_FAULT_EL:
		return "el";
	default:
		return "none";
	}
}

void sim_status_line(struct cal_sim_balance *sim, char *buf, size_t size)
{
	char load[40], shown[40], tare[40], zero[40], link[96];
	struct sim_reading r;
	char status;
	size_t n;

	pthread_mutex_lock(&sim->lock);
	sim_model_read(&r, &sim->model, cal_mono_ms());
	cal_num_format_g(load, sizeof(load), sim->model.load_g);
	cal_num_format(shown, sizeof(shown), sim_round_to_d(r.net_g, sim->cfg.d_g), sim->decimals);
	cal_num_format(tare, sizeof(tare), sim_round_to_d(sim->model.tare_g, sim->cfg.d_g),
		       sim->decimals);
	cal_num_format_g(zero, sizeof(zero), sim->model.zero_g);
	status = r.over ? '+' : r.under ? '-' : r.stable ? 'S' : 'D';
	if (sim->link_closed)
		snprintf(link, sizeof(link), "closed");
	else if (sim->link.kind == SIM_LINK_PTY)
		snprintf(link, sizeof(link), "pty:%s", sim->link.path);
	else if (sim->link.kind == SIM_LINK_TCP)
		snprintf(link, sizeof(link), "tcp:%d:%s", sim->link.port,
			 sim->client ? "client" : "waiting");
	else
		snprintf(link, sizeof(link), "none");
	n = put(buf, size, "load=%s g shown=%s g status=%c tare=%s g zero=%s g fault=%s", load,
		shown, status, tare, zero, fault_name(sim->fault));
	if (sim->fault != CAL_SIM_FAULT_NONE)
		n += put(buf + n, size - n, ":%d", sim->fault_count);
	put(buf + n, size - n, " commands=%lu replies=%lu link=%s%s", sim->n_commands,
	    sim->n_replies, link, atomic_load(&sim->running) ? "" : " (stopped)");
	pthread_mutex_unlock(&sim->lock);
}
