/*
 * jobs.h: work a worker does on its own clock, not for a request.
 *
 * Each worker runs the hold sweeper (encore.holds_expire, built with SKIP
 * LOCKED so every worker may run it at once) and, once payments exist, the
 * reconciliation of payments left in flight.
 */
#ifndef ENCORE_JOBS_H
#define ENCORE_JOBS_H

#include <kore/kore.h>
#include <kore/pgsql.h>

/* One SQL call with no request attached, driven by kore callbacks. */
struct job_call {
	struct kore_pgsql	 sql;
	int			 busy;
	u_int64_t		 started;	/* ms */
	const char		*name;
	void			(*done)(struct job_call *, const char *);
};

void	jobs_start(void);
void	reconcile_start(void);
int	job_call_start(struct job_call *, const char *, int,
	    const char *const *);

#endif
