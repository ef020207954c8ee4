/*
 * Process liveness for cal_db_runs_recover(): kill(pid, 0) sends nothing and
 * only checks that the process exists. See pid.h for why this is alone.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "pid.h"

bool db_pid_alive(int64_t pid)
{
	if (pid <= 0 || pid > INT32_MAX)
		return false;
	if (kill((pid_t)pid, 0) == 0)
		return true;
	return errno != ESRCH;
}
