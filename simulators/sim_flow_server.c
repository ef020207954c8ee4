/*
 * The libmodbus server thread of the flow meter simulator.
 *
 * libmodbus never opens, listens on or closes a file descriptor here: the
 * link (sim_link.c) owns them and hands one to the context with
 * modbus_set_socket():
 *
 *  - RTU: a context from modbus_new_rtu() on which modbus_connect() is never
 *    called, given the pty master. The slave end is raw (cfmakeraw, VMIN 1)
 *    and one slave fd stays open in the simulator, so clients may open and
 *    close the slave path one after another (protocols.md §7.2).
 *  - TCP: a context from modbus_new_tcp(), given each accepted client in
 *    turn; a connection that ends or sends a frame libmodbus refuses is
 *    closed (a stream cannot be resynchronised) and the next client is
 *    accepted.
 *
 * The thread poll()s the fd (so it can be stopped) and then calls
 * modbus_receive(), which reads one whole request. Each request for the
 * meter is checked against the map (sim_flow_registers_exist), the values
 * are written into the mapping and the reply goes out through the armed
 * fault: modbus_reply(), modbus_reply_exception(), nothing, or a frame
 * built here (the CRC fault; libmodbus cannot send a bad frame).
 *
 * libmodbus 3.1.6 RTU pitfall (protocols.md §6.3): after a request for
 * another unit id, modbus_receive() returns 0 and its NEXT call reads a
 * "confirmation to ignore" (the other slave's reply) for the response
 * timeout; with no other slave on the line, the client's next request would
 * be eaten as that confirmation. So the server calls modbus_receive() again
 * at once with a response timeout of 3 ms, which ends that state.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#define LOG_PREFIX "sim-flow"
#include "cal/log.h"

#include "sim_flow_int.h"

#define POLL_MS 20	      /* longest sleep of the thread, ms */
#define WRITE_TIMEOUT_MS 1000 /* give up a reply the client does not take, ms */

uint16_t sim_flow_crc16(const uint8_t *data, size_t len)
{
	uint16_t crc = 0xFFFF;

	for (size_t i = 0; i < len; i++) {
		crc ^= data[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
	}
	return crc;
}

static bool is_rtu(const struct cal_sim_flow *sim)
{
	return sim->link.kind == SIM_LINK_PTY;
}

/*
 * The CRC fault: the reply the request would get (@exc, or the registers),
 * built by hand and spoiled. RTU: the CRC inverted. TCP: the MBAP length 3
 * too big and the protocol identifier 0xFFFF. Caller holds the lock.
 * Returns the length written or -1.
 */
static int send_bad_frame(struct cal_sim_flow *sim, const uint8_t *req, int off, int fn,
			  unsigned addr, unsigned nb, int exc)
{
	uint8_t f[MODBUS_MAX_ADU_LENGTH];
	size_t p = (size_t)off, n;

	if (exc) {
		f[p] = (uint8_t)(fn | 0x80);
		f[p + 1] = (uint8_t)exc;
		n = p + 2;
	} else {
		const uint16_t *tab =
			fn == 4 ? sim->mapping->tab_input_registers + (addr - sim->input.start)
				: sim->mapping->tab_registers + (addr - sim->hold.start);

		f[p] = (uint8_t)fn;
		f[p + 1] = (uint8_t)(2 * nb);
		n = p + 2;
		for (unsigned i = 0; i < nb; i++) {
			f[n++] = (uint8_t)(tab[i] >> 8);
			f[n++] = (uint8_t)(tab[i] & 0xFF);
		}
	}
	f[p - 1] = req[off - 1]; /* unit id */
	if (is_rtu(sim)) {
		uint16_t crc = (uint16_t)~sim_flow_crc16(f, n);

		f[n++] = (uint8_t)(crc & 0xFF);
		f[n++] = (uint8_t)(crc >> 8);
	} else {
		size_t len = n - 6 + 3; /* unit id + PDU, plus 3 */

		f[0] = req[0]; /* transaction id */
		f[1] = req[1];
		f[2] = 0xFF; /* protocol id: Modbus is 0 */
		f[3] = 0xFF;
		f[4] = (uint8_t)(len >> 8);
		f[5] = (uint8_t)(len & 0xFF);
	}
	if (sim_link_write(&sim->link, (const char *)f, n, WRITE_TIMEOUT_MS, &sim->stop) != CAL_OK)
		return -1;
	return (int)n;
}

/* Take one count of the armed fault. Caller holds the lock. */
static enum cal_sim_flow_fault take_fault_locked(struct cal_sim_flow *sim, int *code)
{
	enum cal_sim_flow_fault f = sim->fault;

	*code = sim->exc_code;
	if (f == CAL_SIM_FLOW_FAULT_NONE || sim->fault_count <= 0)
		return CAL_SIM_FLOW_FAULT_NONE;
	if (--sim->fault_count == 0)
		sim->fault = CAL_SIM_FLOW_FAULT_NONE;
	return f;
}

/* A unit id that is not @uid, for the SLAVE fault. */
static uint8_t other_unit(int uid)
{
	return (uint8_t)(uid >= 247 ? 1 : uid + 1);
}

static void serve_request(struct cal_sim_flow *sim, const uint8_t *req, int len)
{
	int off = modbus_get_header_length(sim->ctx);
	int uid = req[off - 1], fn = req[off];
	unsigned addr = 0, nb = 0;
	enum cal_sim_flow_fault f;
	uint8_t copy[MODBUS_MAX_ADU_LENGTH];
	int exc = 0, code, rc = 0;

	if (is_rtu(sim) && uid == 0) {
		/* a broadcast: never answered on a bus */
		pthread_mutex_lock(&sim->lock);
		sim->n_ignored++;
		pthread_mutex_unlock(&sim->lock);
		log_dbg("broadcast function %d ignored", fn);
		return;
	}
	if (!is_rtu(sim) && uid != sim->cfg.unit_id && uid != 0 && uid != 255) {
		/* as from a TCP-RTU gateway with nothing at that unit id */
		pthread_mutex_lock(&sim->lock);
		sim->n_ignored++;
		if (modbus_reply_exception(sim->ctx, req, MODBUS_EXCEPTION_GATEWAY_TARGET) > 0)
			sim->n_replies++;
		pthread_mutex_unlock(&sim->lock);
		log_dbg("unit id %d is not %d: exception 0B", uid, sim->cfg.unit_id);
		return;
	}
	if (len >= off + 5) {
		addr = (unsigned)req[off + 1] << 8 | req[off + 2];
		nb = (unsigned)req[off + 3] << 8 | req[off + 4];
	}
	if (fn != 3 && fn != 4)
		exc = MODBUS_EXCEPTION_ILLEGAL_FUNCTION;
	else if (nb < 1 || nb > MODBUS_MAX_READ_REGISTERS)
		exc = MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
	else if (!sim_flow_registers_exist(sim, fn, addr, nb))
		exc = MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS;
	log_spew("<- unit %d function %d address %u count %u%s", uid, fn, addr, nb,
		 exc ? " (exception)" : "");

	pthread_mutex_lock(&sim->lock);
	sim->n_requests++;
	f = take_fault_locked(sim, &code);
	sim_flow_update_locked(sim, sim_flow_now(sim));
	switch (f) {
	case CAL_SIM_FLOW_FAULT_SILENCE:
		log_dbg("fault: no reply");
		break;
	case CAL_SIM_FLOW_FAULT_EXCEPTION:
		log_dbg("fault: exception %02X", (unsigned)code);
		rc = modbus_reply_exception(sim->ctx, req, (unsigned)code);
		break;
	case CAL_SIM_FLOW_FAULT_CRC:
		log_dbg("fault: %s", is_rtu(sim) ? "bad CRC" : "malformed MBAP header");
		rc = send_bad_frame(sim, req, off, fn, addr, nb, exc);
		break;
	case CAL_SIM_FLOW_FAULT_SLAVE:
	case CAL_SIM_FLOW_FAULT_NONE:
		if (f == CAL_SIM_FLOW_FAULT_SLAVE) {
			memcpy(copy, req, (size_t)len);
			copy[off - 1] = other_unit(uid);
			req = copy;
			log_dbg("fault: reply from unit id %d", copy[off - 1]);
		}
		if (exc)
			rc = modbus_reply_exception(sim->ctx, req, (unsigned)exc);
		else
			rc = modbus_reply(sim->ctx, req, len, sim->mapping);
		break;
	}
	if (rc > 0)
		sim->n_replies++;
	else if (rc < 0)
		log_dbg("reply not sent: %s", errno ? strerror(errno) : "?");
	pthread_mutex_unlock(&sim->lock);
}

static void count_error(struct cal_sim_flow *sim)
{
	pthread_mutex_lock(&sim->lock);
	sim->n_errors++;
	pthread_mutex_unlock(&sim->lock);
}

static void set_client(struct cal_sim_flow *sim, bool on)
{
	pthread_mutex_lock(&sim->lock);
	sim->client = on;
	pthread_mutex_unlock(&sim->lock);
}

/* TCP: close the client (libmodbus forgets the fd first). */
static void drop_client(struct cal_sim_flow *sim)
{
	modbus_set_socket(sim->ctx, -1);
	sim_link_drop_client(&sim->link);
	set_client(sim, false);
}

/* One request (or an error) from the fd that poll() found readable. */
static void receive_one(struct cal_sim_flow *sim)
{
	uint8_t req[MODBUS_MAX_ADU_LENGTH];
	int rc;

	errno = 0;
	rc = modbus_receive(sim->ctx, req);
	if (rc > 0) {
		serve_request(sim, req, rc);
		return;
	}
	if (rc == 0) {
		/* RTU: a request for another unit id, read and ignored */
		pthread_mutex_lock(&sim->lock);
		sim->n_ignored++;
		pthread_mutex_unlock(&sim->lock);
		log_dbg("request for another unit id ignored");
		(void)modbus_receive(sim->ctx, req); /* end "confirmation to ignore" */
		return;
	}
	if (!is_rtu(sim)) {
		if (errno != ECONNRESET) {
			count_error(sim);
			log_dbg("bad request (%s): client dropped", modbus_strerror(errno));
		}
		drop_client(sim);
		return;
	}
	count_error(sim);
	log_dbg("bad request: %s", modbus_strerror(errno));
	modbus_flush(sim->ctx);
}

void *sim_flow_serve(void *arg)
{
	struct cal_sim_flow *sim = arg;

	while (!atomic_load(&sim->stop)) {
		struct pollfd pfd;
		bool accepted;
		int fd = sim_link_io_fd(&sim->link);

		if (fd < 0) {
			if (sim->link.kind != SIM_LINK_TCP)
				break;
			if (sim_link_accept(&sim->link, POLL_MS, &accepted) != CAL_OK) {
				log_warn("%s", cal_error_last());
				poll(NULL, 0, POLL_MS);
				continue;
			}
			if (accepted) {
				modbus_set_socket(sim->ctx, sim->link.client_fd);
				set_client(sim, true);
			}
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, POLL_MS) <= 0 || !pfd.revents)
			continue;
		receive_one(sim);
	}
	atomic_store(&sim->running, false);
	return NULL;
}
