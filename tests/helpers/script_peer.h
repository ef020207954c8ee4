/*
 * A scripted instrument on the far side of a custom transport, for driver
 * tests: each host command line must match the next script step, whose
 * reply bytes are then queued for the host. Replies are literal byte
 * strings written in the test, so a driver is checked against bytes, never
 * against code that shares its parser.
 *
 * Reads never wait: an empty queue is an instant timeout, so retry and
 * timeout paths run in microseconds.
 */
#ifndef CAL_TESTS_SCRIPT_PEER_H
#define CAL_TESTS_SCRIPT_PEER_H

#include <stddef.h>

#include "cal/transport.h"

#define PEER_STEPS 64

struct peer_step {
	const char *cmd;   /* expected command, without its terminator */
	const char *reply; /* bytes queued in answer; NULL: silence */
};

struct peer {
	struct peer_step steps[PEER_STEPS];
	int nsteps;
	int pos; /* next step */
	char rx[4096];
	size_t rlen, rpos;
	char cmd[128];
	size_t clen;
	const char *repeat_cmd;	  /* after the steps: answer this command... */
	const char *repeat_reply; /* ...with this, forever */
	size_t chunk;		  /* max bytes per read; 0: all */
	int fail_write;		  /* writes fail with CAL_ERR_IO */
	char mismatch[192];	  /* first deviation from the script, "" if none */
	int commands;
	int crlf;    /* commands that ended in CR LF */
	int lf_only; /* commands that ended in a bare LF */
	int flushes;
	int closed;
};

extern const struct cal_transport_ops peer_ops;

struct peer *peer_new(void);
void peer_step(struct peer *p, const char *cmd, const char *reply);
/* Queue bytes for the host now (unsolicited output). */
void peer_queue(struct peer *p, const char *bytes);
/* A transport over @p (not owned: free p after closing the device). */
struct cal_transport *peer_transport(struct peer *p);

#endif
