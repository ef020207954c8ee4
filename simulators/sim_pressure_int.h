/*
 * Private to simulators/: the pressure controller's pneumatic model (pure:
 * no I/O, no locking, time passed in), its dialects and the simulator that
 * glues them to the line server of sim_common.h.
 *
 *   sim_pressure_model.c    the model
 *   sim_pressure_dialect.c  PACE, Mensor and PPC4 command sets, number formats
 *   sim_pressure.c          the public API, the control language, the status
 */
#ifndef CAL_SIMULATORS_SIM_PRESSURE_INT_H
#define CAL_SIMULATORS_SIM_PRESSURE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal/sim_pressure.h"
#include "cal/units.h"
#include "sim_common.h"

/* ---- model (sim_pressure_model.c) ----------------------------------------- */

#define SIM_PRS_STEP_MS 5	  /* model update period, ms (one noise draw each) */
#define SIM_PRS_COMP_FRAC 0.02	  /* leak the controller makes up for: 2 % of FS per s */
#define SIM_PRS_RIPPLE_S 0.002	  /* ripple amplitude = compensated leak x 2 ms */
#define SIM_PRS_RIPPLE_MS 500	  /* ripple period, ms */
#define SIM_PRS_VENT_DONE 1e-4	  /* vent complete below 0.01 % of full scale */
#define SIM_PRS_MAX_OVERSHOOT 0.5 /* largest overshoot fraction accepted */

enum sim_prs_mode {
	SIM_PRS_IDLE = 0, /* control off: valves closed, the pressure leaks */
	SIM_PRS_CONTROL,  /* controlling towards sp_pa */
	SIM_PRS_VENT,	  /* venting to atmosphere (0 gauge) */
};

/*
 * The controller's pneumatics. Invariants: fs_pa > 0; tau_s > 0;
 * 0 <= overshoot <= SIM_PRS_MAX_OVERSHOOT; leak, noise, band, rate limit,
 * dwell >= 0; t_ms = t0_ms + k * SIM_PRS_STEP_MS; inband_ms is -1 or a
 * multiple of SIM_PRS_STEP_MS. p_pa and v_pa_s are the deterministic state
 * at t_ms (no noise, no ripple).
 */
struct sim_prs_model {
	double fs_pa;	      /* full scale max(|lower|, |upper|), Pa */
	double tau_s;	      /* time constant of the approach, s */
	double overshoot;     /* peak overshoot fraction of a step */
	double sigma;	      /* 1 / tau_s, 1/s */
	double omega_d;	      /* damped angular frequency, rad/s (0: first order) */
	double leak_pa_s;     /* leak rate, Pa/s */
	double noise_pa;      /* std dev of the reading noise, Pa */
	uint64_t seed;	      /* noise seed */
	double band_pa;	      /* ready: |reading - setpoint| <= band_pa */
	double rate_max_pa_s; /* ready: |rate| <= rate_max_pa_s */
	int dwell_ms;	      /* ready: both for dwell_ms without a break */

	int64_t t0_ms; /* power-up (monotonic ms): step 0 */
	int64_t k;     /* steps done since t0_ms */
	int64_t t_ms;  /* time of the state below */
	double p_pa;   /* pressure, Pa gauge */
	double v_pa_s; /* its rate of change, Pa/s */
	double sp_pa;  /* setpoint, Pa gauge */
	enum sim_prs_mode mode;
	bool stuck;	   /* fault: the pressure does not move */
	int vent_status;   /* 0 idle, 1 venting, 2 vent complete */
	int64_t inband_ms; /* ms the ready conditions have held without a break
			      (0 at the first step they hold), -1 when they do not */
};

/* What the controller shows at one moment (the latest model step). */
struct sim_prs_reading {
	double p_pa;	  /* reading: pressure + ripple + noise, Pa gauge */
	double rate_pa_s; /* rate of change, Pa/s */
	bool ready;	  /* control on and the conditions held for dwell_ms */
};

/* Power-up at @now_ms: control off, pressure and setpoint 0. */
void sim_prs_model_init(struct sim_prs_model *m, const struct cal_sim_pressure_cfg *cfg,
			int64_t now_ms);
/* Run the model up to @now_ms (every whole step up to it); earlier times are ignored. */
void sim_prs_model_advance(struct sim_prs_model *m, int64_t now_ms);
/* The following advance to @now_ms first, then change the state. */
void sim_prs_model_set_setpoint(struct sim_prs_model *m, double sp_pa, int64_t now_ms);
void sim_prs_model_set_mode(struct sim_prs_model *m, enum sim_prs_mode mode, int64_t now_ms);
void sim_prs_model_set_leak(struct sim_prs_model *m, double pa_per_s, int64_t now_ms);
void sim_prs_model_set_stuck(struct sim_prs_model *m, bool stuck, int64_t now_ms);
/* The ready criterion; a change restarts the dwell. */
void sim_prs_model_set_criterion(struct sim_prs_model *m, double band_pa, double rate_max_pa_s,
				 int dwell_ms, int64_t now_ms);
/* Advance to @now_ms and read. */
void sim_prs_model_read(struct sim_prs_reading *out, struct sim_prs_model *m, int64_t now_ms);

/* ---- the simulator (sim_pressure.c, sim_pressure_dialect.c) ----------------- */

#define SIM_PRS_ERRQ_LEN 10 /* PACE and Mensor error queue */

/*
 * Locking: srv.lock guards everything below it besides the server's own
 * fields. cfg and protocol are read-only after new.
 */
struct cal_sim_pressure {
	struct cal_sim_pressure_cfg cfg; /* as given, serial sanitised, unit resolved */

	struct sim_srv srv; /* link, thread, faults, counters, lock */
	struct sim_prs_model model;
	enum cal_unit unit;	    /* unit shown now */
	int decimals;		    /* digits after the point now */
	bool absolute;		    /* PPC4 MMODE A */
	double inl_pct;		    /* PACE in-limits band, % of full scale */
	double inl_time_s;	    /* PACE in-limits time, s */
	double hs_pa;		    /* PPC4 hold limit, Pa */
	double ss_pa_s;		    /* PPC4 stability limit, Pa/s */
	int errq[SIM_PRS_ERRQ_LEN]; /* PACE and Mensor error codes, oldest first */
	size_t n_err;
	int ppc4_last_err; /* PPC4: code of the last ERR# (ERR?), 0 none */
	int mensor_mode;   /* Mensor Mode: 0 standby, 1 measure, 2 control, 3 vent */
};

/* The one-line status reported by the "status" control command. */
void sim_prs_status_line(struct cal_sim_pressure *sim, char *buf, size_t size);
/* Decimals shown for @unit when cfg.decimals is automatic. Caller holds the lock. */
int sim_prs_auto_decimals(const struct cal_sim_pressure *sim, enum cal_unit unit);
/* Make the model's ready criterion the dialect's current one. Caller holds the lock. */
void sim_prs_apply_criterion(struct cal_sim_pressure *sim, int64_t now_ms);
/* The line server's hook: the reply of the dialect to one line. */
size_t sim_prs_handle(void *ctx, char *reply, size_t size, const struct sim_line *l,
		      int64_t now_ms);
/* The dialect's wire token of @u, NULL when it has none (Mensor: the Units? text). */
const char *sim_prs_unit_token(enum cal_sim_pressure_protocol p, enum cal_unit u);

/* Pa -> unit and back. */
double sim_prs_from_pa(double pa, enum cal_unit u);
double sim_prs_to_pa(double v, enum cal_unit u);

#endif /* CAL_SIMULATORS_SIM_PRESSURE_INT_H */
