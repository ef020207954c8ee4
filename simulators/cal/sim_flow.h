/*
 * Instrument-side simulator of a Modbus flow meter (an electromagnetic
 * meter with a totalizer), for tests, demos and driver development without
 * hardware. It serves one register map (cal/modbus_map.h: a preset such as
 * "siemens-mag6000", "endress-promag53", "generic-mfe", or a map of the
 * caller's) with the libmodbus 3.1.6 SERVER API, one client at a time, from
 * one background thread:
 *
 *   Modbus RTU  on a pseudo-terminal: clients open the slave path with
 *               modbus_new_rtu(path, baud, parity, 8, 1) + modbus_connect();
 *               the line settings have no effect on a pty;
 *   Modbus TCP  on a listening socket: modbus_new_tcp(host, port).
 *
 * It shares with drivers/ only the pure map module (cal/modbus_map.h: the
 * presets and cal_mb_quantity_encode); nothing of the modbus-flow driver.
 *
 * Registers: exactly the registers of the map's quantities exist. Function
 * 03 reads the holding, 04 the input registers of the map; a read that
 * touches any other register (outside the map or in a gap between two of
 * its quantities) gets exception 02 (illegal data address); any other
 * function exception 01 (the meter is read-only); a count outside 1..125
 * exception 03. Values, written just before each reply:
 *
 *   flow                the flow reading, in the quantity's unit;
 *   velocity            flow / (pi 0.05^2 / 4) in m/s (a DN50 pipe);
 *   total, total_*      the totalizer, in the quantity's unit;
 *   NAME_int, NAME_frac a totalizer NAME split into its integer part (floor)
 *                       and the rest (generic-mfe: total_int + total_frac);
 *   flow_unit           the generic-mfe code of the flow unit (L/s 0, L/min 1,
 *                       L/h 2, m3/s 3, m3/h 5);
 *   total_unit          the generic-mfe code of the total unit (L 0, m3 1);
 *   anything else       0.
 *
 * A quantity's unit is its map unit text (cal_unit_parse: "m3/s", "m3",
 * "L/min"...); a quantity without one (E+H: "the unit configured on the
 * meter"; generic-mfe: given by the unit codes) is in cfg.flow_unit /
 * cfg.total_unit (default m3/h and m3).
 *
 * Model (monotonic ms; flows in m3/s, totals in m3 internally): the flow
 * approaches the setpoint first-order with time constant tau_ms, starting AT
 * the initial setpoint at power-up (the meter is already flowing); the
 * totalizer is the exact integral of that flow from 0 at power-up (noise is
 * not integrated, as a meter's noise averages out); the flow reading adds
 * Gaussian noise of standard deviation noise x flow (seeded, one draw per
 * SIM_FLOW_STEP_MS step, so it does not depend on how often a client asks).
 * The flow setpoint is >= 0 (no reverse flow).
 *
 * Unit identifiers:
 *  - RTU: requests for another unit id are ignored (as on a bus; libmodbus
 *    3.1.6 then waits for the other slave's reply: the simulator cuts that
 *    wait to a few ms, so the client's next request is not eaten);
 *    broadcasts (id 0) are not answered;
 *  - TCP: requests for the configured unit id, 255 (MODBUS_TCP_SLAVE, the
 *    libmodbus TCP default) and 0 are answered; any other id gets exception
 *    0B (gateway target device failed to respond), as from a TCP-RTU gateway
 *    with nothing at that address.
 *
 * Threading: set_flow, set_noise, fault, control, state and stats may be
 * called from any thread at any time (they take the simulator's lock, which
 * also guards the register mapping while it is updated and replied from).
 * listen_*, start, stop and free belong to one controlling thread; free
 * must not race with anything.
 * Library code: nothing is printed; diagnostics go through cal_log().
 */
#ifndef CAL_SIMULATORS_SIM_FLOW_H
#define CAL_SIMULATORS_SIM_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "cal/units.h"

struct cal_mb_map; /* cal/modbus_map.h */

struct cal_sim_flow_cfg {
	char preset[48];	      /* map served when map is NULL; default "siemens-mag6000" */
	const struct cal_mb_map *map; /* a map of the caller's (copied), or NULL */
	int unit_id;		      /* Modbus unit id 1..247; default 1 */
	double q_m3h;		      /* initial setpoint and flow, m3/h, >= 0; default 10 */
	int tau_ms;		      /* time constant of the flow, 1..3600000 ms; default 1000 */
	double noise;		      /* std dev of the flow reading / flow, 0..1; default 0 */
	unsigned seed;		      /* noise seed; default 1 */
	double speed; /* the model's time runs this many times faster than the clock (demos:
			 a Q1 draw of 10 L at 25 L/h in seconds); 1..10000, default 1 */
	enum cal_unit flow_unit;  /* for flow quantities without a unit; NONE = m3/h */
	enum cal_unit total_unit; /* for total quantities without a unit; NONE = m3 */
	/* RTU line settings given to libmodbus (no effect on a pty): 19200 'E' 8 1. */
	int baud;
	char parity; /* 'N', 'E' or 'O' */
	int data_bits;
	int stop_bits;
};

/*
 * Faults on demand, for the next @count requests addressed to the meter
 * (one armed at a time; NONE disarms):
 *  EXCEPTION  reply exception @code (1..11; 0 = 04 server device failure);
 *  CRC        RTU: the reply with its CRC inverted (the client sees a bad
 *             CRC); TCP: the reply with a malformed MBAP header: the length
 *             field 3 too big and the protocol identifier 0xFFFF. (libmodbus
 *             3.1.6 clients do not check the MBAP length; they do check the
 *             protocol identifier: EMBBADDATA.)
 *  SILENCE    no reply at all (the client times out);
 *  SLAVE      the reply comes from another unit id (request id + 1, 247 and
 *             up -> 1). An RTU client sees EMBBADSLAVE or a timeout; a
 *             libmodbus 3.1.6 TCP client does not compare unit ids and
 *             accepts it.
 */
enum cal_sim_flow_fault {
	CAL_SIM_FLOW_FAULT_NONE = 0,
	CAL_SIM_FLOW_FAULT_EXCEPTION,
	CAL_SIM_FLOW_FAULT_CRC,
	CAL_SIM_FLOW_FAULT_SILENCE,
	CAL_SIM_FLOW_FAULT_SLAVE,
};

/* What the meter does now (for tests and the status line). */
struct cal_sim_flow_state {
	double flow_m3h;	       /* flow reading (noise included), m3/h */
	double true_flow_m3h;	       /* the model's flow without noise, m3/h */
	double setpoint_m3h;	       /* m3/h */
	double total_m3;	       /* totalizer, m3 */
	double noise;		       /* noise fraction */
	enum cal_sim_flow_fault fault; /* armed fault, NONE when none is pending */
	int fault_count;	       /* requests it still affects */
	int exception_code;	       /* the code of an armed EXCEPTION fault */
	unsigned long requests;	       /* requests addressed to the meter (faulted ones too) */
	unsigned long replies;	       /* replies written (exceptions, faulted ones too) */
	unsigned long ignored;	       /* RTU requests for other unit ids and broadcasts */
	unsigned long errors;	       /* frames libmodbus refused (bad CRC, garbage, cut) */
	bool client;		       /* TCP: a client is connected */
};

struct cal_sim_flow;

/* Fill @cfg with the defaults listed in the struct. @cfg must not be NULL. */
void cal_sim_flow_cfg_default(struct cal_sim_flow_cfg *cfg);

/*
 * Create a simulator (not yet listening): the flow and the setpoint are
 * cfg.q_m3h, the totalizer 0.
 *
 * @param[out] out  The simulator; NULL on error. Free with cal_sim_flow_free().
 * @param[in]  cfg  Settings, copied (and the map). NULL for the defaults.
 * @retval CAL_OK
 * @retval CAL_ERR_ARG     bad settings: an unknown preset, unit id, tau,
 *                         noise, line settings, a flow_unit that is no flow
 *                         unit...
 * @retval CAL_ERR_CONFIG  the map fails cal_mb_map_check(), a flow or total
 *                         quantity has a unit that is no flow or volume
 *                         unit, or a unit code register cannot say the unit.
 * @retval CAL_ERR_NOMEM
 */
int cal_sim_flow_new(struct cal_sim_flow **out, const struct cal_sim_flow_cfg *cfg);

/*
 * Modbus RTU on a new pseudo-terminal: its slave path into @path_out
 * (what a client opens). CAL_ERR_STATE when already listening.
 */
int cal_sim_flow_listen_rtu(struct cal_sim_flow *sim, char *path_out, size_t size);
/*
 * Modbus TCP on @host:@port (port 0: any free port, told in *bound_port,
 * which can be NULL). @host NULL or "" listens on every address.
 */
int cal_sim_flow_listen_tcp(struct cal_sim_flow *sim, const char *host, int port, int *bound_port);
/* Start serving (the background thread). CAL_ERR_STATE when not listening or running. */
int cal_sim_flow_start(struct cal_sim_flow *sim);
/* Stop the thread (a TCP client is disconnected; the pty stays). */
void cal_sim_flow_stop(struct cal_sim_flow *sim);
/* Stop, close everything and free. NULL is a no-op. */
void cal_sim_flow_free(struct cal_sim_flow *sim);

/* The map served (the simulator's copy). */
const struct cal_mb_map *cal_sim_flow_map(const struct cal_sim_flow *sim);

/* Flow setpoint, m3/h (>= 0); the flow follows with tau. Thread-safe. */
int cal_sim_flow_set_flow(struct cal_sim_flow *sim, double q_m3h);
/* Noise, a fraction of the flow (0..1). Thread-safe. */
int cal_sim_flow_set_noise(struct cal_sim_flow *sim, double fraction);
/*
 * Arm a fault (see enum cal_sim_flow_fault) for the next @count requests
 * (count <= 0 or NONE disarm). @code is the exception code of EXCEPTION
 * (1..11, 0 for 04), ignored otherwise. CAL_ERR_ARG for a bad kind or code.
 * Thread-safe.
 */
int cal_sim_flow_fault(struct cal_sim_flow *sim, enum cal_sim_flow_fault f, int count, int code);

/*
 * Text control, one line, for the stdin of `calbench sim flow`. Words are
 * separated by spaces or tabs; a trailing CR/LF is ignored.
 *   fault exception [n] [code]   next n requests answered with exception code
 *                                (default n 1, code 4)
 *   fault crc|silence|slave [n]  next n requests (default 1)
 *   fault none                   disarm
 *   flow <q> [unit]              flow setpoint, m3/h unless a flow unit follows
 *   noise <fraction>             reading noise, fraction of the flow (0..1)
 *   status                       one status line
 *   help                         the list of commands
 * @param[out] reply  "ok", the status line or the help text; "" on error.
 * @retval CAL_OK
 * @retval CAL_ERR_ARG with a message naming the bad word.
 */
int cal_sim_flow_control(struct cal_sim_flow *sim, const char *line, char *reply, size_t size);

/* The state now. Thread-safe. */
void cal_sim_flow_state(struct cal_sim_flow *sim, struct cal_sim_flow_state *out);

/* The status line of the "status" command into @buf. Thread-safe. */
void cal_sim_flow_status(struct cal_sim_flow *sim, char *buf, size_t size);

#endif /* CAL_SIMULATORS_SIM_FLOW_H */
