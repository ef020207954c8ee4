/*
 * Private to drivers/transport/: the backends behind struct cal_transport.
 *
 * Each backend exports a const ops table and an open function that returns
 * its context; transport.c wraps the pair into a struct cal_transport.
 * Open functions set a message naming the port on failure.
 */
#ifndef CAL_DRIVERS_TRANSPORT_INTERNAL_H
#define CAL_DRIVERS_TRANSPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal/transport.h"

/* TCP connect() is given this long before CAL_ERR_TIMEOUT. */
#define CAL_TCP_CONNECT_TIMEOUT_MS 3000

extern const struct cal_transport_ops cal_tr_sp_ops;
extern const struct cal_transport_ops cal_tr_termios_ops;
extern const struct cal_transport_ops cal_tr_tcp_ops;

/*
 * libserialport backend. *refused is set (and no message is set) when
 * libserialport does not accept the path at all (pseudo-terminals, paths
 * outside /dev) and the caller should try termios instead.
 */
int cal_tr_sp_open(void **ctx, bool *refused, const struct cal_port_cfg *cfg, const char *desc);

/* POSIX termios backend for any tty path. */
int cal_tr_termios_open(void **ctx, const struct cal_port_cfg *cfg, const char *desc);

/* Raw TCP backend. */
int cal_tr_tcp_open(void **ctx, const struct cal_port_cfg *cfg, const char *desc,
		    int connect_timeout_ms);

/*
 * Non-blocking tty fd I/O shared by the termios and libserialport
 * backends: poll() + read()/write(), bounded by timeout_ms on the monotonic
 * clock. desc names the port in messages. Same contract as the ops.
 */
int cal_tr_fd_write(int fd, const char *desc, const void *buf, size_t len, int timeout_ms);
int cal_tr_fd_read(int fd, const char *desc, void *buf, size_t size, size_t *got, int timeout_ms);

/* Milliseconds left until deadline_ms on cal_mono_ms(), clamped to 0..INT_MAX. */
int cal_tr_remaining_ms(int64_t deadline_ms);

#endif /* CAL_DRIVERS_TRANSPORT_INTERNAL_H */
