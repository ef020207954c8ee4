/*
 * Private to simulators/: the Modbus flow meter simulator.
 *
 *   sim_flow_model.c   the flow and totalizer model (pure: no I/O, no
 *                      locking, time passed in)
 *   sim_flow_server.c  the libmodbus server thread: receive, unit ids,
 *                      register checks, faults, hand-built frames, CRC
 *   sim_flow.c         the public API, the register plan (which value each
 *                      quantity holds, in which unit), the mapping update,
 *                      the control language and the status line
 */
#ifndef CAL_SIMULATORS_SIM_FLOW_INT_H
#define CAL_SIMULATORS_SIM_FLOW_INT_H

#include <modbus/modbus.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal/modbus_map.h"
#include "cal/sim_flow.h"
#include "cal/units.h"
#include "sim_common.h"

/* ---- model (sim_flow_model.c) ---------------------------------------------- */

#define SIM_FLOW_STEP_MS 5  /* one noise draw per step, ms */
#define SIM_FLOW_DN_M 0.05  /* pipe diameter for the velocity, m (DN50) */
#define SIM_FLOW_M3H 3600.0 /* m3/h per m3/s */
#define SIM_FLOW_TAU_MAX_MS 3600000

/*
 * Invariants: tau_s > 0; 0 <= noise <= 1; sp_m3s >= 0; t_ms >= t0_ms;
 * q_m3s and total_m3 are the deterministic state at t_ms.
 */
struct sim_flow_model {
	double tau_s;	 /* time constant, s */
	double noise;	 /* std dev of the reading, fraction of the flow */
	uint64_t seed;	 /* noise seed */
	int64_t t0_ms;	 /* power-up, monotonic ms */
	int64_t t_ms;	 /* time of the state below */
	double q_m3s;	 /* flow, m3/s */
	double sp_m3s;	 /* setpoint, m3/s */
	double total_m3; /* integral of q_m3s from t0_ms to t_ms, m3 */
};

/* Power-up at @now_ms with flow = setpoint = @q_m3s, total 0. */
void sim_flow_model_init(struct sim_flow_model *m, double q_m3s, int tau_ms, double noise,
			 uint64_t seed, int64_t now_ms);
/* Advance to @now_ms exactly (first order, integral in closed form); earlier times ignored. */
void sim_flow_model_advance(struct sim_flow_model *m, int64_t now_ms);
/* Advance to @now_ms, then set the setpoint (m3/s, >= 0). */
void sim_flow_model_set_sp(struct sim_flow_model *m, double sp_m3s, int64_t now_ms);
/* The reading at the state's time: q (1 + noise N(seed, step)), m3/s. */
double sim_flow_model_reading(const struct sim_flow_model *m);

/* ---- the simulator ---------------------------------------------------------- */

/* What a quantity of the map holds. */
enum sim_flow_role {
	SIM_FLOW_ZERO = 0,   /* not a value the simulator knows: 0 */
	SIM_FLOW_FLOW,	     /* flow reading */
	SIM_FLOW_VELOCITY,   /* flow / DN50 area, m/s */
	SIM_FLOW_TOTAL,	     /* totalizer */
	SIM_FLOW_TOTAL_INT,  /* floor(totalizer) */
	SIM_FLOW_TOTAL_FRAC, /* totalizer - floor(totalizer) */
	SIM_FLOW_FLOW_CODE,  /* generic-mfe flow unit code */
	SIM_FLOW_TOTAL_CODE, /* generic-mfe total unit code */
};

struct sim_flow_plan {
	enum sim_flow_role role;
	enum cal_unit unit; /* FLOW, TOTAL*: the unit the value is written in */
	double code;	    /* *_CODE: the unit code */
};

/* One register table served: registers start .. start + n - 1 in the mapping. */
struct sim_flow_table {
	uint16_t start;
	int n; /* 0: the map has no register of this table */
};

struct cal_sim_flow {
	struct cal_sim_flow_cfg cfg;
	int64_t t_start_ms;			   /* when it was made, on the monotonic clock */
	struct cal_mb_map map;			   /* the map served (a copy) */
	struct sim_flow_plan plan[CAL_MB_MAP_MAX]; /* one per map quantity */
	struct sim_flow_table hold, input;

	/* lock guards everything down to the mapping */
	pthread_mutex_t lock;
	struct sim_flow_model model;
	enum cal_sim_flow_fault fault;
	int fault_count;
	int exc_code;
	unsigned long n_requests, n_replies, n_ignored, n_errors;
	bool client;
	unsigned warned; /* bit i: an encode failure of quantity i was logged */
	modbus_mapping_t *mapping;

	/* the server thread's while it runs (have_thread), the caller's otherwise */
	struct sim_link link;
	modbus_t *ctx; /* RTU or TCP context; libmodbus never owns the fds */
	pthread_t thread;
	bool have_thread;
	atomic_bool stop;
	atomic_bool running;
};

/* sim_flow.c: caller holds the lock. Advance the model to @now_ms and write every value. */
void sim_flow_update_locked(struct cal_sim_flow *sim, int64_t now_ms);
/*
 * sim_flow.c: true when every register addr .. addr + nb - 1 belongs to a
 * quantity of the table read by function @fn (3 or 4).
 */
bool sim_flow_registers_exist(const struct cal_sim_flow *sim, int fn, unsigned addr, unsigned nb);

/* sim_flow_server.c */
void *sim_flow_serve(void *arg);
/* CRC-16/Modbus (poly 0xA001 reflected, init 0xFFFF), sent low byte first. */
uint16_t sim_flow_crc16(const uint8_t *data, size_t len);

/* The model's time: t_start + (now - t_start) x cfg.speed, ms. */
int64_t sim_flow_now(const struct cal_sim_flow *sim);

#endif /* CAL_SIMULATORS_SIM_FLOW_INT_H */
