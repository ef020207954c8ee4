/*
 * Byte-stream transports: one interface, three backends.
 *
 *  - libserialport, for real serial ports (RS-232, USB adapters);
 *  - POSIX termios, for tty paths libserialport 0.1.1 cannot open
 *    (pseudo-terminals, paths outside /dev such as socat links);
 *  - raw TCP, for LAN instruments and serial device servers.
 *
 * Drivers see only struct cal_transport and never know which backend runs.
 * Tests may supply their own backend through cal_transport_new_custom().
 */
#ifndef CAL_DRIVERS_TRANSPORT_H
#define CAL_DRIVERS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

enum cal_port_kind {
	CAL_PORT_SERIAL = 1,	 /* a tty path */
	CAL_PORT_TCP = 2,	 /* "tcp:HOST:PORT" */
	CAL_PORT_MODBUS_TCP = 3, /* "modbus-tcp:HOST:PORT": libmodbus owns the link */
	CAL_PORT_MODBUS_RTU = 4, /* "modbus-rtu:PATH" (a tty path, serial settings apply) */
};

enum cal_flow {
	CAL_FLOW_NONE = 0,
	CAL_FLOW_XONXOFF,
	CAL_FLOW_RTSCTS,
};

/* Where an instrument is connected, parsed from a bench file's port: and serial: fields. */
struct cal_port_cfg {
	enum cal_port_kind kind;
	char path[256];	    /* tty path (CAL_PORT_SERIAL) */
	char host[128];	    /* host name or address (CAL_PORT_TCP) */
	int tcp_port;	    /* 1..65535 (CAL_PORT_TCP) */
	int baud;	    /* bit/s, default 9600 */
	int data_bits;	    /* 7 or 8, default 8 */
	char parity;	    /* 'N', 'E' or 'O', default 'N' */
	int stop_bits;	    /* 1 or 2, default 1 */
	enum cal_flow flow; /* default none */
};

/*
 * Parse a port ("/dev/ttyUSB0", "/dev/pts/3", "./ttyA", "tcp:127.0.0.1:4001",
 * "modbus-tcp:127.0.0.1:502", "modbus-rtu:/dev/ttyUSB1")
 * and serial settings ("9600/8N1", "2400/7E1", optional suffix "/xonxoff" or
 * "/rtscts"; NULL or "" means 9600/8N1).
 * On error returns CAL_ERR_ARG and sets a message naming the bad text.
 */
int cal_port_cfg_parse(struct cal_port_cfg *out, const char *port, const char *serial);

/* "tcp:127.0.0.1:4001" or "/dev/ttyUSB0 9600/8N1" for messages. */
void cal_port_cfg_describe(char *buf, size_t size, const struct cal_port_cfg *cfg);

/* A Modbus port: the link belongs to libmodbus, not to a byte-stream transport. */
static inline int cal_port_is_modbus(const struct cal_port_cfg *cfg)
{
	return cfg->kind == CAL_PORT_MODBUS_TCP || cfg->kind == CAL_PORT_MODBUS_RTU;
}

struct cal_transport;

/*
 * The port a transport was opened for. For a Modbus port cal_transport_open()
 * opens nothing: the transport only carries the configuration (and its
 * description) to the driver, whose reads and writes go through libmodbus;
 * its own read and write fail with CAL_ERR_UNSUPPORTED.
 */
const struct cal_port_cfg *cal_transport_cfg(const struct cal_transport *t);

/* Backend operations, for custom (test) transports. */
struct cal_transport_ops {
	const char *name; /* "libserialport", "termios", "tcp", "mock" */
	/* Write all of buf or fail. */
	int (*write)(void *ctx, const void *buf, size_t len, int timeout_ms);
	/*
	 * Wait up to timeout_ms for at least one byte, then return what is
	 * available (at most size). *got = 0 and CAL_ERR_TIMEOUT on timeout;
	 * CAL_ERR_IO when the link is closed or broken.
	 */
	int (*read)(void *ctx, void *buf, size_t size, size_t *got, int timeout_ms);
	/* Discard unread input. */
	int (*flush_input)(void *ctx);
	void (*close)(void *ctx);
};

/*
 * Open the transport for @cfg. Serial paths go to libserialport first and to
 * termios when libserialport refuses them (pseudo-terminals). Sets a message
 * naming the port on failure (CAL_ERR_IO or CAL_ERR_NOTFOUND).
 * @param[out] out  NULL on error
 */
int cal_transport_open(struct cal_transport **out, const struct cal_port_cfg *cfg);

/* Wrap custom ops; ctx is passed to every op and to close(). */
int cal_transport_new_custom(struct cal_transport **out, const struct cal_transport_ops *ops,
			     void *ctx);

/* Backend name, e.g. "termios". Borrowed. */
const char *cal_transport_backend(const struct cal_transport *t);

/*
 * Where the transport goes, for messages: "tcp:127.0.0.1:4001",
 * "/dev/ttyUSB0 9600/8N1", or the ops name for a custom transport.
 * Borrowed; valid until cal_transport_close(). Never NULL.
 */
const char *cal_transport_describe(const struct cal_transport *t);

int cal_transport_write(struct cal_transport *t, const void *buf, size_t len, int timeout_ms);
int cal_transport_read(struct cal_transport *t, void *buf, size_t size, size_t *got,
		       int timeout_ms);
/* Also discards the line buffer of cal_transport_read_line(). */
int cal_transport_flush_input(struct cal_transport *t);

/*
 * Read one line terminated by CR LF, CR or LF, without the terminator, into
 * buf (NUL-terminated). Empty lines are skipped. A line longer than size - 1
 * is consumed to its end and reported as CAL_ERR_PROTO. Bytes after the line
 * stay buffered for the next call.
 * @return CAL_OK, CAL_ERR_TIMEOUT (no complete line within timeout_ms),
 *         CAL_ERR_IO, CAL_ERR_PROTO
 */
int cal_transport_read_line(struct cal_transport *t, char *buf, size_t size, size_t *len,
			    int timeout_ms);

/* NULL is accepted. */
void cal_transport_close(struct cal_transport *t);

/* A serial port found on this machine. */
struct cal_port_info {
	char name[128];	       /* "/dev/ttyUSB0" */
	char description[128]; /* "FT232R USB UART" */
	int usb_vid;	       /* -1 when not USB */
	int usb_pid;
	char transport[16]; /* "usb", "native", "bluetooth" */
};

/* List serial ports via libserialport. *out is malloc'ed; free() it. */
int cal_ports_list(struct cal_port_info **out, size_t *n);

#endif
