/*
 * Process helpers for test_db.c, in a file of their own: <sys/wait.h> pulls
 * in <signal.h>, whose value_si macro breaks struct cal_reading.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int test_db_dead_pid(void);

/* The pid of a child that has exited and been reaped: no such process now. */
int test_db_dead_pid(void)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return -1;
	if (child == 0)
		_exit(0);
	if (waitpid(child, &status, 0) != child)
		return -1;
	return (int)child;
}
