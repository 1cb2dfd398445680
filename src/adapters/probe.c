/*
 * probe.c: the dependency probe thread.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>

#include "core/metrics.h"
#include "encore.h"
#include "probe.h"

#define PROBE_INTERVAL_MS	1000
#define PROBE_TIMEOUT_MS	300

static pthread_t	probe_thread;
static volatile int	probe_running;

static int
probe_redis(void)
{
	redisContext	*c;
	redisReply	*r;
	struct timeval	 tv;
	int		 ok;

	tv.tv_sec = 0;
	tv.tv_usec = PROBE_TIMEOUT_MS * 1000;
	c = redisConnectWithTimeout(encore_cfg->redis_host,
	    encore_cfg->redis_port, tv);
	if (c == NULL || c->err) {
		if (c != NULL)
			redisFree(c);
		return (0);
	}
	(void)redisSetTimeout(c, tv);
	r = redisCommand(c, "PING");
	ok = (r != NULL && r->type == REDIS_REPLY_STATUS &&
	    !strcmp(r->str, "PONG"));
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return (ok);
}

/* Connect, send the AMQP 0-9-1 header, expect a method frame back. */
static int
probe_amqp(void)
{
	struct addrinfo		 hints, *res;
	struct pollfd		 pfd;
	unsigned char		 buf[8];
	char			 port[8];
	int			 fd, ok, err;
	socklen_t		 len;
	static const char	 hdr[8] = { 'A', 'M', 'Q', 'P', 0, 0, 9, 1 };

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", encore_cfg->amqp_port);
	if (getaddrinfo(encore_cfg->amqp_host, port, &hints, &res) != 0)
		return (0);
	ok = 0;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd == -1)
		goto out;
	if (connect(fd, res->ai_addr, res->ai_addrlen) == -1 &&
	    errno != EINPROGRESS)
		goto out;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, PROBE_TIMEOUT_MS) != 1)
		goto out;
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0)
		goto out;
	if (write(fd, hdr, sizeof(hdr)) != sizeof(hdr))
		goto out;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, PROBE_TIMEOUT_MS) != 1)
		goto out;
	ok = (read(fd, buf, 1) == 1 && buf[0] == 1);
out:
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	return (ok);
}

static void *
probe_main(void *arg)
{
	struct metrics_shm	*m;
	struct timespec		 ts;

	(void)arg;
	m = metrics_get();
	while (probe_running) {
		__atomic_store_n(&m->redis_up, probe_redis(), __ATOMIC_RELAXED);
		__atomic_store_n(&m->amqp_up, probe_amqp(), __ATOMIC_RELAXED);
		ts.tv_sec = PROBE_INTERVAL_MS / 1000;
		ts.tv_nsec = (PROBE_INTERVAL_MS % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	return (NULL);
}

void
probe_start(void)
{
	if (probe_running)
		return;
	probe_running = 1;
	if (pthread_create(&probe_thread, NULL, probe_main, NULL) != 0)
		probe_running = 0;
	else
		pthread_detach(probe_thread);
}

void
probe_stop(void)
{
	probe_running = 0;
}

int
probe_redis_up(void)
{
	return ((int)__atomic_load_n(&metrics_get()->redis_up,
	    __ATOMIC_RELAXED));
}

int
probe_amqp_up(void)
{
	return ((int)__atomic_load_n(&metrics_get()->amqp_up,
	    __ATOMIC_RELAXED));
}
