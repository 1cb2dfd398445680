/*
 * daemon.c: logging, signals, sleeping and the Postgres connection.
 *
 * Logs go to stderr unbuffered, one line per event, so a supervisor (the
 * stack script, systemd) owns the file and no line is lost on kill. A stop
 * is requested by SIGTERM or SIGINT; every wait in the daemons is bounded
 * (at most a second or so) and checks daemon_stopping(), so a stop takes
 * effect after the message or batch in hand, never in the middle of one.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

static const char		*log_program = "encore-worker";
static volatile sig_atomic_t	 stop_requested;

static void	on_stop_signal(int);
static void	one_line(char *);
static void	notice_to_log(void *, const char *);

void
daemon_log_init(const char *program)
{
	log_program = program;
}

void
daemon_log(const char *fmt, ...)
{
	va_list		ap;
	struct timespec	ts;
	struct tm	tm;
	char		stamp[32], line[1024];

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	(void)fprintf(stderr, "%s.%03ldZ %s[%ld]: %s\n", stamp,
	    ts.tv_nsec / 1000000, log_program, (long)getpid(), line);
}

void
daemon_signals_install(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	(void)sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal must cut a sleep or poll short. */
	sa.sa_handler = on_stop_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
}

int
daemon_stopping(void)
{
	return (stop_requested != 0);
}

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void
daemon_sleep_ms(unsigned int ms)
{
	struct timespec	ts, rem;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (!daemon_stopping() && nanosleep(&ts, &rem) == -1 &&
	    errno == EINTR)
		ts = rem;
}

int
daemon_wait_readable(int fd, unsigned int ms)
{
	struct pollfd	pfd;
	int		n;

	if (daemon_stopping())
		return (0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	n = poll(&pfd, 1, (int)ms);
	return (n > 0);
}

PGconn *
daemon_db_connect(const struct workers_config *cfg, const char *appname,
    char *errbuf, size_t errlen)
{
	const char	*keys[4], *vals[4];
	PGconn		*db;
	PGresult	*res;

	/* Later entries override earlier ones: the URL wins over defaults. */
	keys[0] = "connect_timeout";
	vals[0] = "5";
	keys[1] = "fallback_application_name";
	vals[1] = appname;
	keys[2] = "dbname";
	vals[2] = cfg->pg_conninfo[0] != '\0' ? cfg->pg_conninfo : NULL;
	keys[3] = NULL;
	vals[3] = NULL;

	db = PQconnectdbParams(keys, vals, 1);
	if (db == NULL || PQstatus(db) != CONNECTION_OK) {
		daemon_db_error(db, NULL, errbuf, errlen);
		PQfinish(db);
		return (NULL);
	}

	(void)PQsetNoticeProcessor(db, notice_to_log, NULL);

	/* One message or one batch never needs more than this. */
	res = PQexec(db, "SET statement_timeout = '30s'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		daemon_db_error(db, res, errbuf, errlen);
		PQclear(res);
		PQfinish(db);
		return (NULL);
	}
	PQclear(res);
	return (db);
}

void
daemon_db_error(PGconn *db, const PGresult *res, char *buf, size_t len)
{
	const char	*msg, *state;

	msg = NULL;
	state = NULL;
	if (res != NULL) {
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	}
	if (msg == NULL)
		msg = db != NULL ? PQerrorMessage(db) : "out of memory";
	if (msg == NULL || msg[0] == '\0')
		msg = "unknown error";
	(void)snprintf(buf, len, "%s%s%s", state != NULL ? state : "",
	    state != NULL ? " " : "", msg);
	one_line(buf);
}

/* Newlines and tabs to single spaces, trailing space dropped. */
static void
one_line(char *buf)
{
	size_t		i, j;

	for (i = j = 0; buf[i] != '\0'; i++) {
		if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')
			buf[i] = ' ';
		if (buf[i] == ' ' && (j == 0 || buf[j - 1] == ' '))
			continue;
		buf[j++] = buf[i];
	}
	while (j > 0 && buf[j - 1] == ' ')
		j--;
	buf[j] = '\0';
}

/* libpq's notices (and the server's goodbye) go to the log, on one line. */
static void
notice_to_log(void *arg, const char *message)
{
	char	buf[512];

	(void)arg;
	(void)snprintf(buf, sizeof(buf), "%s", message);
	one_line(buf);
	daemon_log("postgres says: %s", buf);
}
