/*
 * Instrument-side simulator of a pressure controller speaking one of three
 * dialects, for tests, demos and driver development without hardware:
 *
 *   pace        Druck / Baker Hughes PACE5000 (SCPI)
 *   mensor-cpc  Mensor CPC6050 (Mensor command set)
 *   ppc4        Fluke / DH Instruments PPC4 ("enhanced" syntax)
 *
 * The bytes are those of docs/pressure-dialects.md, the contract shared with
 * the host drivers; the simulator parses commands itself and shares no code
 * with drivers/. It serves one client at a time over a pseudo-terminal or
 * TCP, from one background thread (the line server of the balance
 * simulator).
 *
 * Pneumatics (pressures in Pa gauge internally, times in ms, monotonic):
 *
 *  - control on: the pressure approaches the setpoint first-order with time
 *    constant tau_ms (overshoot 0), or as an underdamped second-order system
 *    whose step response peaks overshoot x the step above the setpoint and
 *    whose envelope decays with tau_ms. A leak of up to 2 % of full scale
 *    per second is made up for, leaving a ripple of (leak x 2 ms); a bigger
 *    leak pulls the held pressure (leak - that capacity) x tau towards 0,
 *    so a setpoint away from 0 is never reached;
 *  - control off: the pressure leaks towards 0 at leak rate and stops there;
 *  - vent: the pressure falls to 0 exponentially with tau/2;
 *  - stuck (a fault): the pressure does not move at all;
 *  - the reading adds Gaussian noise (std dev noise, seeded, one draw per
 *    5 ms model step, so it does not depend on how often the host asks).
 *
 * "Ready" (PACE in-limits flag, Mensor Stable? YES, PPC4 SR? R) is true when
 * control is on and, for the dialect's dwell time without a break, the
 * reading stays within the dialect's band around the setpoint and the rate
 * of change stays within its rate limit:
 *   PACE    band :SOUR:PRES:INL (% of full scale), dwell :SOUR:PRES:INL:TIME,
 *           rate limit one band per second;
 *   Mensor  band stable_band_pa, dwell dwell_ms, rate limit one band per second;
 *   PPC4    band HS (hold limit), rate limit SS (stability limit, per
 *           second), dwell dwell_ms.
 * Full scale is max(|lower|, |upper|) of the range.
 *
 * Threading: the setters, fault, control, state and stats may be called from
 * any thread at any time. listen_*, start, stop and free belong to one
 * controlling thread; free must not race with anything.
 * Library code: nothing is printed; diagnostics go through cal_log().
 */
#ifndef CAL_SIMULATORS_SIM_PRESSURE_H
#define CAL_SIMULATORS_SIM_PRESSURE_H

#include <stdbool.h>
#include <stddef.h>

#include "cal/units.h"

enum cal_sim_pressure_protocol {
	CAL_SIM_PRS_PACE = 0,
	CAL_SIM_PRS_MENSOR,
	CAL_SIM_PRS_PPC4,
};

struct cal_sim_pressure_cfg {
	enum cal_sim_pressure_protocol protocol; /* default pace */
	char serial[32];       /* default "SIMP0001"; ',', '"' and non-printables become '?' */
	enum cal_unit unit;    /* shown at power-up; CAL_UNIT_NONE (default) = bar for
				  pace and mensor-cpc, kPa for ppc4 */
	double lower_pa;       /* range, Pa gauge; default -1e5 (-1 bar) */
	double upper_pa;       /* default 20e5 (20 bar); lower < upper, 0 within */
	int decimals;	       /* digits after the point in replies; -1 (default):
				  6 minus the digits of full scale in the unit shown, >= 0 */
	int tau_ms;	       /* time constant of the approach, ms; default 300 */
	double overshoot;      /* peak overshoot of a step, fraction 0..0.5; default 0.05 */
	double leak_pa_s;      /* leak, Pa/s; default 10 */
	double noise_pa;       /* std dev of the reading noise, Pa; default 0 */
	double inl_pct;	       /* PACE in-limits band, % of full scale; default 0.01 */
	int inl_time_ms;       /* PACE in-limits time, ms; default 2000 */
	double stable_band_pa; /* Mensor stable band, Pa; default 80 (0.004 % of 20 bar) */
	double hs_pa;	       /* PPC4 hold limit, Pa; default 100 (0.1 kPa) */
	double ss_pa_s;	       /* PPC4 stability limit, Pa/s; default 50 (0.05 kPa/s) */
	int dwell_ms;	       /* Mensor and PPC4 dwell before ready, ms; default 1000 */
	double atm_pa;	       /* atmosphere for PPC4 absolute mode, Pa; default 101325 */
	unsigned seed;	       /* noise and garbling seed; default 1 */
};

/*
 * Faults on demand (the balance simulator's, plus the dialect's error):
 *  DROP, GARBLE, LATE, CLOSE   as in cal/sim_balance.h, on the next @count
 *                              replies (PACE and Mensor commands have none);
 *  ERROR  the next @count command lines (the error query itself excepted)
 *         fail the dialect's way: PACE does not execute the line, queues
 *         -222,"Data out of range" and answers nothing (a query neither);
 *         Mensor queues 2,Data out of range, does not execute a command and
 *         answers a query with the 'E' lead byte; PPC4 answers "ERR# 7"
 *         instead and does not execute the line.
 * Only one fault is armed at a time; NONE disarms.
 */
enum cal_sim_pressure_fault {
	CAL_SIM_PRS_FAULT_NONE = 0,
	CAL_SIM_PRS_FAULT_DROP,
	CAL_SIM_PRS_FAULT_GARBLE,
	CAL_SIM_PRS_FAULT_LATE,
	CAL_SIM_PRS_FAULT_CLOSE,
	CAL_SIM_PRS_FAULT_ERROR,
};

/* What the controller does now (for tests and the status line). */
struct cal_sim_pressure_state {
	double p_pa;	    /* reading (with noise), Pa gauge */
	double setpoint_pa; /* Pa gauge */
	double rate_pa_s;   /* rate of change, Pa/s */
	bool control;	    /* controlling (PACE output on, Mensor CONTROL, PPC4 holding) */
	bool venting;	    /* vent started and not yet complete */
	bool ready;	    /* the dialect's ready / in-limits / stable flag */
	bool stuck;	    /* the "stuck" fault is on */
	double leak_pa_s;   /* leak now, Pa/s */
	enum cal_unit unit; /* unit shown now */
	int decimals;	    /* digits after the point now */
};

struct cal_sim_pressure;

/* Fill @cfg with the defaults listed in the struct. @cfg must not be NULL. */
void cal_sim_pressure_cfg_default(struct cal_sim_pressure_cfg *cfg);

/* "pace", "mensor-cpc" or "ppc4". CAL_ERR_ARG for anything else. */
int cal_sim_pressure_protocol_parse(enum cal_sim_pressure_protocol *out, const char *name);
const char *cal_sim_pressure_protocol_name(enum cal_sim_pressure_protocol p);
/* The unit shown at power-up when cfg.unit is CAL_UNIT_NONE. */
enum cal_unit cal_sim_pressure_default_unit(enum cal_sim_pressure_protocol p);

/*
 * Create a simulator (not yet listening). Control is off, the pressure and
 * the setpoint are 0 gauge.
 *
 * @param[out] out  The simulator; NULL on error. Free with cal_sim_pressure_free().
 * @param[in]  cfg  Settings, copied. Can be NULL for the defaults.
 * @retval CAL_OK
 * @retval CAL_ERR_ARG bad settings (a unit the dialect has no token for, a
 *                     range without 0, negative times or bands...).
 * @retval CAL_ERR_NOMEM
 */
int cal_sim_pressure_new(struct cal_sim_pressure **out, const struct cal_sim_pressure_cfg *cfg);

/* As cal_sim_balance_listen_pty() / _listen_tcp() / _start() / _stop() / _free(). */
int cal_sim_pressure_listen_pty(struct cal_sim_pressure *sim, char *path_out, size_t size);
int cal_sim_pressure_listen_tcp(struct cal_sim_pressure *sim, const char *host, int port,
				int *bound_port);
int cal_sim_pressure_start(struct cal_sim_pressure *sim);
void cal_sim_pressure_stop(struct cal_sim_pressure *sim);
void cal_sim_pressure_free(struct cal_sim_pressure *sim);

/* Leak rate, Pa/s (>= 0). Thread-safe. */
void cal_sim_pressure_set_leak(struct cal_sim_pressure *sim, double pa_per_s);
/* Stuck: the pressure stays where it is, whatever the controller does. Thread-safe. */
void cal_sim_pressure_set_stuck(struct cal_sim_pressure *sim, bool stuck);
/* Noise std dev, Pa (>= 0). Thread-safe. */
void cal_sim_pressure_set_noise(struct cal_sim_pressure *sim, double pa);

/* Arm a fault (see enum cal_sim_pressure_fault). Thread-safe. */
void cal_sim_pressure_fault(struct cal_sim_pressure *sim, enum cal_sim_pressure_fault f, int count,
			    int late_ms);

/*
 * Text control, one line, for the stdin of `calbench sim pressure`. Words
 * are separated by spaces or tabs; a trailing CR/LF is ignored. Pressures
 * are in the configured unit (cfg.unit) unless a unit symbol follows.
 *   fault drop|garble|error [n]   next n replies (error: command lines), default 1
 *   fault late [n] <ms>           next n replies late by <ms>
 *   fault close [n]               close the link now, or instead of reply n = 1
 *   fault none                    disarm
 *   leak <rate> [unit]            leak, unit/s (a big one: the setpoint is never reached)
 *   stuck [on|off]                the pressure does not move (default on)
 *   noise <p> [unit]              reading noise std dev
 *   status                        one status line
 *   help                          the list of commands
 * @param[out] reply  "ok", the status line or the help text; "" on error.
 * @retval CAL_OK
 * @retval CAL_ERR_ARG with a message naming the bad word.
 */
int cal_sim_pressure_control(struct cal_sim_pressure *sim, const char *line, char *reply,
			     size_t size);

/* The state now. Thread-safe. */
void cal_sim_pressure_state(struct cal_sim_pressure *sim, struct cal_sim_pressure_state *out);

/*
 * Counters for tests: command lines received (non-empty, including unknown
 * and too long ones) and replies actually written (dropped ones are not
 * counted; counted before the write). Either pointer can be NULL.
 */
void cal_sim_pressure_stats(struct cal_sim_pressure *sim, unsigned long *commands,
			    unsigned long *replies);

#endif /* CAL_SIMULATORS_SIM_PRESSURE_H */
