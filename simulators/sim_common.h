/*
 * Private to simulators/: what every line-oriented instrument simulator
 * shares, whatever its protocol:
 *
 *  - the link (sim_link.c): pty or TCP file descriptors, no protocol;
 *  - the line server (sim_common.c): one background thread that reads bytes,
 *    cuts them into command lines, queues them, asks the simulator for the
 *    reply to each line (struct sim_srv_ops) and writes it through the armed
 *    fault (drop, garble, late, close, or one of the simulator's own);
 *  - small helpers: bounded formatting, escaping for the log, the noise
 *    generator, the words of a control line.
 *
 * The simulator embeds a struct sim_srv and keeps its instrument state under
 * srv.lock; the protocol code never sees a file descriptor.
 */
#ifndef CAL_SIMULATORS_SIM_COMMON_H
#define CAL_SIMULATORS_SIM_COMMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- helpers (sim_common.c) ---------------------------------------------- */

/* snprintf that returns the length actually stored (never more than size - 1). */
size_t sim_put(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Printable copy of wire bytes for the log: non-printables and '\' as \xNN. */
void sim_escape(char *out, size_t size, const char *in, size_t len);
/* xorshift64 step; *state must not be 0. */
uint64_t sim_xorshift64(uint64_t *state);
/* Standard normal deviate number @k of the stream @seed (counter based). */
double sim_gauss(uint64_t seed, int64_t k);
/*
 * Change one byte of @reply (never CR or LF): a digit becomes another digit
 * when @r is odd and there is a digit, else a byte becomes non-ASCII.
 */
void sim_garble(char *reply, size_t len, uint64_t r);

/* ---- link (sim_link.c) ---------------------------------------------------- */

enum sim_link_kind {
	SIM_LINK_NONE = 0,
	SIM_LINK_PTY,
	SIM_LINK_TCP,
};

/*
 * File descriptors of one transport. All are non-blocking and close-on-exec;
 * -1 when closed. Used by the server thread only while it runs.
 */
struct sim_link {
	enum sim_link_kind kind;
	int master_fd; /* pty master: the instrument end */
	int slave_fd;  /* pty slave kept open so the master never sees EIO/HUP */
	int listen_fd; /* TCP listening socket */
	int client_fd; /* TCP connected client, one at a time */
	bool closed;   /* the pty was closed by a fault; nothing left to serve */
	char path[64]; /* pty slave path */
	int port;      /* TCP port bound */
};

void sim_link_init(struct sim_link *l);
int sim_link_open_pty(struct sim_link *l);
int sim_link_open_tcp(struct sim_link *l, const char *host, int port);
/* The fd carrying the byte stream now, or -1 (TCP without a client, or closed). */
int sim_link_io_fd(const struct sim_link *l);
/* TCP: wait up to @timeout_ms for a client; *accepted tells whether one came. */
int sim_link_accept(struct sim_link *l, int timeout_ms, bool *accepted);
/*
 * Read what is there without blocking. *got = 0 and *gone = false when
 * nothing is waiting; *gone = true when the peer left (TCP EOF or error).
 */
int sim_link_read(struct sim_link *l, char *buf, size_t size, size_t *got, bool *gone);
/* Write all of @buf, waiting at most @timeout_ms for room; gives up early on *stop. */
int sim_link_write(struct sim_link *l, const char *buf, size_t len, int timeout_ms,
		   atomic_bool *stop);
/* TCP: close the client socket. */
void sim_link_drop_client(struct sim_link *l);
/* pty: close master and slave (the client sees EOF/EIO) and mark closed. */
void sim_link_close_pty(struct sim_link *l);
/* Close everything. */
void sim_link_close(struct sim_link *l);

/* ---- line server (sim_common.c) ---------------------------------------------- */

#define SIM_LINE_MAX 128   /* longest command line kept; longer ones are flagged too_long */
#define SIM_QUEUE_LEN 8	   /* command lines waiting while one is being served */
#define SIM_REPLY_MAX 1024 /* longest reply, bytes */

/* handle() return value: the command waits; the server polls pending(). */
#define SIM_PENDING ((size_t)-1)

/*
 * Fault kinds every simulator has; a simulator numbers its own kinds from
 * SIM_FAULT_OWN on. The public enums (cal_sim_fault, cal_sim_pressure_fault)
 * use these same values.
 */
enum {
	SIM_FAULT_NONE = 0,
	SIM_FAULT_DROP,	  /* the reply is not sent */
	SIM_FAULT_GARBLE, /* one byte of the reply is changed, CR LF kept */
	SIM_FAULT_LATE,	  /* the reply is sent late_ms later; later lines wait */
	SIM_FAULT_CLOSE,  /* the link is closed instead of the reply */
	SIM_FAULT_OWN,
};

/* One received command line (terminator stripped); may hold NUL bytes. */
struct sim_line {
	size_t len;
	bool too_long; /* more than SIM_LINE_MAX bytes came; text is not kept */
	char text[SIM_LINE_MAX];
};

enum sim_busy {
	SIM_IDLE = 0, /* ready for the next queued command */
	SIM_WAIT,     /* a command waits (handle() gave SIM_PENDING) */
	SIM_LATE,     /* a reply is held back until due_ms by a LATE fault */
};

/* Per-connection state: touched by the server thread only. */
struct sim_conn {
	char line[SIM_LINE_MAX]; /* line being received */
	size_t len;
	bool overflow; /* the current line is too long: discard until its end */
	bool after_cr; /* last byte was CR: an LF right after it is the same end */
	struct sim_line q[SIM_QUEUE_LEN];
	size_t q_head, q_len;
	enum sim_busy busy;
	char late[SIM_REPLY_MAX];
	size_t late_len;
	int64_t due_ms; /* SIM_LATE: send late[] at this monotonic time */
};

/*
 * What a simulator plugs into the server. Called on the server thread
 * without srv.lock held; every hook but handle and pending may be NULL.
 */
struct sim_srv_ops {
	/* Unsolicited bytes when serving starts (pty) or a client connects
	 * (TCP), never affected by faults nor counted; 0 = none. */
	size_t (*greet)(void *ctx, char *buf, size_t size);
	/* A complete line arrived, before it is queued (e.g. to abort). */
	void (*on_line)(void *ctx, const struct sim_line *l);
	/* The reply to one line: its length, 0 for no reply, or SIM_PENDING. */
	size_t (*handle)(void *ctx, char *reply, size_t size, const struct sim_line *l,
			 int64_t now_ms);
	/* A command that waits: its reply once done, else 0. */
	size_t (*pending)(void *ctx, char *reply, size_t size, int64_t now_ms);
	/* A fault of an own kind that replaces the reply: the new length. */
	size_t (*fault_reply)(void *ctx, int fault, char *reply, size_t size);
};

/*
 * Locking: lock guards the fault fields, the counters, client/link_closed
 * and whatever state the simulator keeps beside (its model). link and conn
 * belong to the server thread while it runs (have_thread), and to the API
 * caller otherwise.
 */
struct sim_srv {
	const char *name; /* log prefix, e.g. "sim-balance" */
	const struct sim_srv_ops *ops;
	void *ctx;	      /* first argument of the hooks */
	unsigned line_faults; /* bit (1u << kind): kinds taken per line by the
				 simulator itself (sim_srv_take_fault), not per reply */

	pthread_mutex_t lock;
	int fault;	 /* armed fault kind, SIM_FAULT_NONE when fault_count reaches 0 */
	int fault_count; /* replies (or lines) still affected */
	int late_ms;	 /* delay for SIM_FAULT_LATE, ms */
	bool close_now;	 /* close the link at once (fault close, count <= 0) */
	uint64_t rng;	 /* xorshift state for garbling; never 0 */
	unsigned long n_commands;
	unsigned long n_replies;
	bool client;	  /* a TCP client is connected (status only) */
	bool link_closed; /* the pty was closed by a fault (status only) */

	struct sim_link link;
	struct sim_conn conn;
	pthread_t thread;
	bool have_thread;    /* thread created and not yet joined */
	atomic_bool stop;    /* ask the thread to leave */
	atomic_bool running; /* the thread is inside its loop */
};

void sim_srv_init(struct sim_srv *s, const char *name, const struct sim_srv_ops *ops, void *ctx,
		  unsigned seed);
/* Stop, close every fd, destroy the lock. */
void sim_srv_destroy(struct sim_srv *s);
/* The public listen/start/stop calls of a simulator (same contracts). */
int sim_srv_listen_pty(struct sim_srv *s, char *path_out, size_t size);
int sim_srv_listen_tcp(struct sim_srv *s, const char *host, int port, int *bound_port);
int sim_srv_start(struct sim_srv *s);
void sim_srv_stop(struct sim_srv *s);
/*
 * Arm a fault of kind @f (1..max_kind) for the next @count replies (or
 * lines, for the kinds in line_faults); CLOSE with count <= 0 closes at
 * once; NONE, an unknown kind or count <= 0 disarm. Thread-safe.
 */
void sim_srv_fault(struct sim_srv *s, int f, int count, int late_ms, int max_kind);
void sim_srv_stats(struct sim_srv *s, unsigned long *commands, unsigned long *replies);
/* Caller holds s->lock: take one count of the armed fault if it is @kind. */
bool sim_srv_take_fault_locked(struct sim_srv *s, int kind);
/* Server thread (on_line): drop queued lines and a waiting command; true if one waited. */
bool sim_srv_abort(struct sim_srv *s);
/*
 * Caller holds s->lock: "fault=late:2 commands=3 replies=2 link=tcp:4001:client"
 * (+ " (stopped)"); @fault_names is indexed by kind. Returns the length.
 */
size_t sim_srv_status_locked(struct sim_srv *s, char *buf, size_t size,
			     const char *const *fault_names);

/* ---- control lines (sim_common.c) -------------------------------------------- */

#define SIM_CTL_LINE_MAX 256 /* longest control line, bytes */
#define SIM_CTL_WORDS_MAX 5
#define SIM_CTL_UNKNOWN 1 /* own(): not one of the simulator's words */

/* A fault name of the control language and its kind. */
struct sim_ctl_fault_kind {
	const char *name;
	int kind;
};

/*
 * A simulator's control language: the words every simulator has ("fault
 * KIND [n]", "fault late [n] <ms>", "fault close [n]", "fault none",
 * "status", "help") and its own.
 */
struct sim_ctl {
	const struct sim_ctl_fault_kind *faults; /* a kind SIM_FAULT_NONE named other
						    than "none" is an alias, not shown */
	size_t n_faults;
	int max_fault;	  /* the highest kind */
	const char *help; /* the reply to "help" */
	void (*status)(void *ctx, char *buf, size_t size);
	/* The simulator's own words: CAL_OK, an error, or SIM_CTL_UNKNOWN. */
	int (*own)(void *ctx, char **w, int nw);
};

/*
 * Run one control line: words are separated by spaces or tabs, a trailing
 * CR/LF is ignored. @reply gets "ok", the status line or the help text, ""
 * on error. @reply may be NULL when @size is 0.
 * @retval CAL_OK
 * @retval CAL_ERR_ARG with a message naming the bad word.
 */
int sim_ctl_run(struct sim_srv *s, const struct sim_ctl *ctl, const char *line, char *reply,
		size_t size);
/* A number ('.' decimals) or CAL_ERR_ARG naming @what. */
int sim_ctl_double(double *out, const char *word, const char *what);
/*
 * Split a control line into at most SIM_CTL_WORDS_MAX words in @buf
 * (SIM_CTL_LINE_MAX bytes); an empty, too long or too wordy line is refused.
 */
int sim_ctl_split(char *buf, const char *line, char **w, int *nw);
/* An integer word within min..max; the message names @what. */
int sim_ctl_int(int *out, const char *word, const char *what, int min, int max);

#endif /* CAL_SIMULATORS_SIM_COMMON_H */
