/*
 * Private to simulators/: the balance model (pure physics, no I/O, no
 * locking). sim_balance.c glues it to the MT-SICS command set and the line
 * server of sim_common.h.
 */
#ifndef CAL_SIMULATORS_SIM_BALANCE_INT_H
#define CAL_SIMULATORS_SIM_BALANCE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal/sim_balance.h"
#include "sim_common.h"

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

/* ---- the simulator (sim_balance.c, sim_control.c) ------------------------- */

/*
 * Locking: srv.lock guards model and display_text besides the server's own
 * fields. wait_cmd and deadline_ms belong to the server thread. cfg is
 * read-only after new.
 */
struct cal_sim_balance {
	struct cal_sim_balance_cfg cfg; /* as given, model/serial sanitised */
	int decimals;			/* decimals shown, from cfg.d_g */

	struct sim_srv srv; /* link, thread, faults, counters, lock */
	struct sim_model model;
	char display_text[24]; /* last D "..." text (status only) */
	char wait_cmd;	       /* 'S', 'Z' or 'T' while the server waits (SIM_WAIT) */
	int64_t deadline_ms;   /* SIM_WAIT: answer "x I" at this monotonic time */
};

/* The one-line status reported by the "status" control command. */
void sim_status_line(struct cal_sim_balance *sim, char *buf, size_t size);

#endif /* CAL_SIMULATORS_SIM_BALANCE_INT_H */
