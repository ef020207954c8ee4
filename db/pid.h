/*
 * Process liveness, kept apart from cal/db.h: <signal.h> defines si_value as
 * a macro (siginfo_t), which collides with struct cal_reading.value_si, so
 * no file may include both.
 */
#ifndef CAL_DB_PID_H
#define CAL_DB_PID_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Is process @pid alive? pid <= 0 means "nobody" (false). A process that
 * exists but belongs to another user (EPERM) is alive.
 */
bool db_pid_alive(int64_t pid);

#endif
