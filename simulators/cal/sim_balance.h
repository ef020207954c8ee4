/*
 * Instrument-side simulator of a Mettler Toledo MT-SICS balance (levels 0
 * and 1), for tests, demos and driver development without hardware.
 *
 * The simulator reads COMMANDS (host -> balance) and writes RESPONSES
 * (balance -> host) byte for byte as protocols.md §1 describes, over a
 * pseudo-terminal or a TCP socket, served by one background thread. It shares
 * no code with the host driver's parser on purpose: a bug copied into both
 * sides would never show in a test.
 *
 * Physics (all masses in g, conventional mass; times in ms, monotonic):
 *
 *   shown = round_to_d(load + err(load) + drift + noise - zero - tare)
 *
 * err() is the piecewise-linear error profile, drift grows linearly with
 * time, noise is Gaussian with standard deviation noise_g, drawn from a
 * seeded xorshift generator per internal A/D sample (one every 20 ms). After
 * a load change the value approaches its final value exponentially and the
 * reading is dynamic (status D) until settle_ms have passed.
 *
 * Stability rule: the reading is stable (status S) when settle_ms have passed
 * since the last load change AND every one of the last 300 ms of samples of
 * the fluctuating part (noise + drift) lies within +-d/2 of their mean. With
 * noise_g <= d/4 the display is practically always stable; with noise_g >=
 * d/2 it is almost never stable and S answers "S I" after stable_timeout_ms.
 *
 * Overload: gross > max_g + 9 d (e = d assumed) -> "S +" (no value).
 * Underload: gross < -20 d (pan removed: set a negative load) -> "S -".
 * Zero range: +-2 % of max_g around the power-up zero.
 *
 * Commands served: @ I0 I1 I2 I3 I4 S SI Z ZI (level 0), D DW T TI TA TAC
 * (level 1). Unknown command -> "ES"; a known command with parameters it does
 * not take or with malformed ones -> "EL"; lines longer than 128 bytes, with
 * NUL bytes or binary junk -> "ES". Empty lines are ignored. Zeroing (Z, ZI)
 * is decided by the zero range alone and clears the tare.
 *
 * Threading: set_load, set_error_profile, fault, control and stats may be
 * called from any thread at any time. listen_*, start, stop and free belong
 * to one controlling thread; free must not race with anything.
 * Library code: nothing is printed; diagnostics go through cal_log().
 */
#ifndef CAL_SIMULATORS_SIM_BALANCE_H
#define CAL_SIMULATORS_SIM_BALANCE_H

#include <stdbool.h>
#include <stddef.h>

/* One point of the error profile: at load_g the balance shows err_g too much. */
struct cal_sim_err_point {
	double load_g; /* true load on the pan, g */
	double err_g;  /* indication error at that load, g (shown - true) */
};

#define CAL_SIM_ERR_POINTS_MAX 16

struct cal_sim_balance_cfg {
	char model[64];		/* default "calbench SIM-BAL" ; I2 text is "<model> <Max> g" */
	char serial[32];	/* default "SIM0001" */
	double max_g;		/* default 30000 */
	double d_g;		/* display resolution, default 5 */
	double noise_g;		/* std dev of the noise, default 0 */
	int settle_ms;		/* default 800 */
	int stable_timeout_ms;	/* how long S waits before answering S I, default 3000 */
	double drift_g_per_min; /* default 0 */
	struct cal_sim_err_point err[16];
	size_t n_err;	  /* error profile, default none; loads strictly increasing */
	unsigned seed;	  /* default 1 */
	bool power_up_i4; /* send I4 A "..." when a client connects, default true */
};

/*
 * Faults on demand. Each affects the next `count` replies to commands (the
 * unsolicited power-up I4 is never affected):
 *  DROP    the reply is not sent;
 *  GARBLE  one byte of the reply is changed (a digit becomes another digit,
 *          or a byte becomes a non-ASCII byte); CR LF stay intact;
 *  LATE    the reply is sent late_ms after it was ready; commands that
 *          arrive meanwhile are answered afterwards, in order;
 *  CLOSE   the link is closed: with count <= 0 at once, else instead of the
 *          next reply. TCP: the client socket is closed and the simulator
 *          accepts again. pty: the master is closed (the client sees EOF or
 *          EIO) and the simulator stops serving;
 *  ES, EL  "ES" / "EL" is sent instead of the reply.
 * Only one fault is armed at a time; a new call replaces the armed one and
 * CAL_SIM_FAULT_NONE disarms.
 */
enum cal_sim_fault {
	CAL_SIM_FAULT_NONE = 0,
	CAL_SIM_FAULT_DROP,
	CAL_SIM_FAULT_GARBLE,
	CAL_SIM_FAULT_LATE,
	CAL_SIM_FAULT_CLOSE,
	CAL_SIM_FAULT_ES,
	CAL_SIM_FAULT_EL
};

struct cal_sim_balance;

/* Fill @cfg with the defaults listed in the struct. @cfg must not be NULL. */
void cal_sim_balance_cfg_default(struct cal_sim_balance_cfg *cfg);

/*
 * Parse an error profile "load:err,load:err,..." (g, '.' decimals, loads
 * strictly increasing, at most 16 points) into cfg->err / cfg->n_err.
 * "" or "none" gives an empty profile. On error @cfg is left unchanged.
 *
 * @retval CAL_OK
 * @retval CAL_ERR_ARG with a message naming the bad item.
 */
int cal_sim_balance_parse_profile(struct cal_sim_balance_cfg *cfg, const char *text);

/*
 * Create a simulator (not yet listening). The pan is empty, tare and zero
 * offset are 0, the display is settled.
 *
 * @param[out] out  The simulator; NULL on error. Free with cal_sim_balance_free().
 * @param[in]  cfg  Settings, copied. Can be NULL for the defaults.
 * @retval CAL_OK
 * @retval CAL_ERR_ARG bad settings (max_g <= 0, d_g <= 0, negative times...).
 * @retval CAL_ERR_NOMEM
 */
int cal_sim_balance_new(struct cal_sim_balance **out, const struct cal_sim_balance_cfg *cfg);

/*
 * Create a pty (raw: no echo, no CR/LF translation) and serve on its master.
 * The simulator keeps a slave fd open itself, so clients may open, close and
 * reopen the slave freely. With power_up_i4 the I4 line is queued at every
 * cal_sim_balance_start() and waits in the pty until a client reads it.
 *
 * @param[out] path_out  The slave path, e.g. "/dev/pts/3". Must not be NULL.
 * @retval CAL_OK
 * @retval CAL_ERR_STATE already listening.
 * @retval CAL_ERR_ARG   path_out too small.
 * @retval CAL_ERR_IO
 */
int cal_sim_balance_listen_pty(struct cal_sim_balance *sim, char *path_out, size_t size);

/*
 * Listen on TCP host:port (host NULL or "" = all interfaces; port 0 = any
 * free port). One client at a time; others wait in the backlog until the
 * current one leaves. With power_up_i4 each client gets the I4 line first.
 *
 * @param[out] bound_port  The port actually bound. Can be NULL.
 * @retval CAL_OK
 * @retval CAL_ERR_STATE already listening.
 * @retval CAL_ERR_ARG   bad host or port.
 * @retval CAL_ERR_IO
 */
int cal_sim_balance_listen_tcp(struct cal_sim_balance *sim, const char *host, int port,
			       int *bound_port);

/*
 * Serve in a background thread.
 * @retval CAL_OK
 * @retval CAL_ERR_STATE not listening, already running, or the link was closed.
 * @retval CAL_ERR
 */
int cal_sim_balance_start(struct cal_sim_balance *sim);

/* Stop serving and join the thread (within ~20 ms); a TCP client is disconnected. Idempotent. */
void cal_sim_balance_stop(struct cal_sim_balance *sim);

/* Stop, close every fd and free. NULL is a no-op. */
void cal_sim_balance_free(struct cal_sim_balance *sim);

/* What sits on the pan now, in g (conventional mass). Negative = pan removed. Thread-safe. */
void cal_sim_balance_set_load(struct cal_sim_balance *sim, double load_g);

/*
 * Replace the error profile (at most 16 points are used; they are sorted by
 * load). n = 0 removes it. Takes effect at once, without a transient. Thread-safe.
 */
void cal_sim_balance_set_error_profile(struct cal_sim_balance *sim,
				       const struct cal_sim_err_point *err, size_t n);

/*
 * Arm a fault for the next @count replies (see enum cal_sim_fault); @late_ms
 * is used by CAL_SIM_FAULT_LATE only. Thread-safe.
 */
void cal_sim_balance_fault(struct cal_sim_balance *sim, enum cal_sim_fault f, int count,
			   int late_ms);

/*
 * Text control, one line, for the standalone `calbench sim balance` stdin.
 * Words are separated by spaces or tabs; a trailing CR/LF is ignored.
 *   load <g>                      put <g> on the pan
 *   fault drop|garble|es|el [n]   next n replies (default 1)
 *   fault late [n] <ms>           next n replies late by <ms> ("fault late 3000" = 1 reply)
 *   fault close [n]               close the link now, or instead of reply n = 1
 *   fault none                    disarm
 *   profile <load:err,...>|none   replace the error profile
 *   noise <g> | drift <g/min>     change the noise std dev / the drift rate
 *   status                        one status line
 *   help                          the list of commands
 * @param[out] reply  "ok", the status line or the help text; "" on error.
 *                    Must not be NULL unless size is 0.
 * @retval CAL_OK
 * @retval CAL_ERR_ARG with a message naming the bad word.
 */
int cal_sim_balance_control(struct cal_sim_balance *sim, const char *line, char *reply,
			    size_t size);

/*
 * Counters for tests: command lines received (non-empty, including unknown
 * and too long ones) and replies actually written (dropped ones and the
 * power-up I4 are not counted). Either pointer can be NULL.
 */
void cal_sim_balance_stats(struct cal_sim_balance *sim, unsigned long *commands,
			   unsigned long *replies);

#endif /* CAL_SIMULATORS_SIM_BALANCE_H */
