/*
 * Private to simulators/: the balance model (pure physics, no I/O, no
 * locking) and the link (pty or TCP file descriptors, no protocol).
 * sim_balance.c glues them together with the MT-SICS command set and the
 * server thread.
 */
#ifndef CAL_SIMULATORS_SIM_BALANCE_INT_H
#define CAL_SIMULATORS_SIM_BALANCE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal/sim_balance.h"

/* ---- model (sim_model.c) -------------------------------------------------- */

#define SIM_SAMPLE_MS 20       /* internal A/D update period, ms */
#define SIM_STAB_WINDOW_MS 300 /* stability window, ms (15 samples) */
#define SIM_ZERO_RANGE 0.02    /* zero range: +-2 % of max_g around power-up zero */
#define SIM_OVERLOAD_E 9.0     /* overload above max_g + 9 e (e = d) */
#define SIM_UNDERLOAD_D 20.0   /* underload below -20 d */

/*
 * The balance's state. Invariants: d_g > 0, max_g > 0, settle_ms >= 0,
 * err[] sorted by strictly increasing load_g with n_err <= 16.
 * "raw" below means the mechanical value plus drift and noise, before the
 * zero offset is subtracted; "gross" = raw - zero_g; "net" = gross - tare_g.
 */
struct sim_model {
	double max_g;		/* capacity Max, g */
	double d_g;		/* display resolution d (= verification interval e), g */
	double noise_g;		/* std dev of the Gaussian noise per sample, g */
	double drift_g_per_min; /* raw value drift rate, g per minute */
	int64_t drift_t0_ms;	/* drift(t) = drift_base_g + rate * (t - drift_t0_ms) */
	double drift_base_g;	/* drift at drift_t0_ms, g */
	int settle_ms;		/* dynamic time after a load change, ms */
	uint64_t seed;		/* noise seed */
	struct cal_sim_err_point err[CAL_SIM_ERR_POINTS_MAX];
	size_t n_err;

	int64_t t0_ms;	     /* power-up (monotonic ms): sample 0, drift origin */
	double load_g;	     /* true load on the pan, g */
	double from_g;	     /* mechanical value when the load last changed, g */
	double target_g;     /* final mechanical value: load_g + err(load_g), g */
	int64_t t_change_ms; /* monotonic ms of the last load change */
	double zero_g;	     /* raw value taken as zero, g (0 = power-up zero) */
	double tare_g;	     /* tare, in gross g; 0 = none */
};

/* What the balance measures at one moment (the latest A/D sample). */
struct sim_reading {
	double gross_g;	     /* latest sample, after zero, before tare, g */
	double net_g;	     /* gross_g - tare_g, g (not rounded) */
	double mean_gross_g; /* mean gross over the stability window, g */
	bool settled;	     /* the whole stability window is settle_ms past the last change */
	bool stable;	     /* settled and the fluctuation within +-d/2 (see header) */
	bool over;	     /* gross > max + 9 d */
	bool under;	     /* gross < -20 d */
};

void sim_model_init(struct sim_model *m, const struct cal_sim_balance_cfg *cfg, int64_t now_ms);
void sim_model_set_load(struct sim_model *m, double load_g, int64_t now_ms);
/* @err need not be sorted; at most 16 points are used. */
void sim_model_set_profile(struct sim_model *m, const struct cal_sim_err_point *err, size_t n,
			   int64_t now_ms);
/* Indication error at @load_g, g: linear between points, held beyond the ends. */
double sim_model_err(const struct sim_model *m, double load_g);
/* Change the drift rate without a jump of the value. */
void sim_model_set_drift(struct sim_model *m, double g_per_min, int64_t now_ms);
void sim_model_read(struct sim_reading *out, const struct sim_model *m, int64_t now_ms);

/* v rounded to the nearest multiple of d (half away from zero). */
double sim_round_to_d(double v, double d);
/* Decimals needed to show multiples of d: 0.01 -> 2, 5 -> 0, 0.0001 -> 4 (max 9). */
int sim_decimals(double d);
/* xorshift64 step; *state must not be 0. */
uint64_t sim_xorshift64(uint64_t *state);
/* Standard normal deviate number @k of the stream @seed (counter based). */
double sim_gauss(uint64_t seed, int64_t k);

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
	int master_fd; /* pty master: the balance end */
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

/* ---- the simulator (sim_balance.c, sim_control.c) ------------------------- */

#define SIM_LINE_MAX 128   /* longest command line kept; longer ones are answered ES */
#define SIM_QUEUE_LEN 8	   /* command lines waiting while one is being served */
#define SIM_REPLY_MAX 1024 /* longest reply (I0 is the longest, several lines) */

/* One received command line (terminator stripped); may hold NUL bytes. */
struct sim_line {
	size_t len;
	bool too_long; /* more than SIM_LINE_MAX bytes came; text is not kept */
	char text[SIM_LINE_MAX];
};

enum sim_busy {
	SIM_IDLE = 0, /* ready for the next queued command */
	SIM_WAIT,     /* S, Z or T waiting for stability until deadline_ms */
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
	char wait_cmd;	     /* 'S', 'Z' or 'T' while SIM_WAIT */
	int64_t deadline_ms; /* SIM_WAIT: answer "x I" at this monotonic time */
	char late[SIM_REPLY_MAX];
	size_t late_len;
	int64_t due_ms; /* SIM_LATE: send late[] at this monotonic time */
};

/*
 * Locking: lock guards model, the fault fields, the counters, display_text
 * and link_state. link and conn belong to the server thread while it runs
 * (have_thread), and to the API caller otherwise. cfg is read-only after new.
 */
struct cal_sim_balance {
	struct cal_sim_balance_cfg cfg; /* as given, model/serial sanitised */
	int decimals;			/* decimals shown, from cfg.d_g */

	pthread_mutex_t lock;
	struct sim_model model;
	enum cal_sim_fault fault; /* armed fault, NONE when fault_count reaches 0 */
	int fault_count;	  /* replies still affected */
	int late_ms;		  /* delay for CAL_SIM_FAULT_LATE, ms */
	bool close_now;		  /* close the link at once (fault close, count <= 0) */
	uint64_t rng;		  /* xorshift state for garbling; never 0 */
	unsigned long n_commands;
	unsigned long n_replies;
	bool client;	       /* a TCP client is connected (status only) */
	bool link_closed;      /* the pty was closed by a fault (status only) */
	char display_text[24]; /* last D "..." text (status only) */

	struct sim_link link;
	struct sim_conn conn;
	pthread_t thread;
	bool have_thread;    /* thread created and not yet joined */
	atomic_bool stop;    /* ask the thread to leave */
	atomic_bool running; /* the thread is inside its loop */
};

/* The one-line status reported by the "status" control command. */
void sim_status_line(struct cal_sim_balance *sim, char *buf, size_t size);

#endif /* CAL_SIMULATORS_SIM_BALANCE_INT_H */
