/*
 * daemon.h: what both daemons need from the operating system and Postgres.
 */
#ifndef ENCORE_DAEMON_H
#define ENCORE_DAEMON_H

#include <libpq-fe.h>

#include "workers.h"

/* One line on stderr: "<UTC time> <program>[pid]: text". */
void	daemon_log_init(const char *program);
void	daemon_log(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* SIGTERM/SIGINT ask for a clean stop; SIGPIPE is ignored. */
void	daemon_signals_install(void);
int	daemon_stopping(void);

/* Sleeps ms milliseconds, or less when a stop is requested. */
void	daemon_sleep_ms(unsigned int ms);

/* Waits until fd is readable, ms pass, or a stop is requested; 1 = ready. */
int	daemon_wait_readable(int fd, unsigned int ms);

/* Connects with ENCORE_DATABASE_URL or PG*; NULL and errbuf on failure. */
PGconn	*daemon_db_connect(const struct workers_config *, const char *appname,
	    char *errbuf, size_t errlen);

/* The database's own words for the last error, on one line. */
void	daemon_db_error(PGconn *, const PGresult *, char *, size_t);

#endif /* ENCORE_DAEMON_H */
