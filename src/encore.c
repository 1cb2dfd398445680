/*
 * encore.c: the server's life cycle inside kore.
 *
 * kore_parent_configure() runs once in the parent after kore.conf is read:
 * it loads the configuration from the environment (refusing to start with a
 * message naming the variable when something is wrong) and maps the shared
 * metrics, so every worker inherits both. kore_worker_configure() runs in
 * each worker: it registers the Postgres pool and starts the worker's
 * timers and background probes.
 */
#include <sys/types.h>
#include <sys/syscall.h>

#include <stdio.h>
#include <stdlib.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/seccomp.h>
#include <kore/hooks.h>

#include "adapters/pg.h"
#include "adapters/probe.h"
#include "api/api.h"
#include "jobs/jobs.h"
#include "core/metrics.h"
#include "encore.h"

struct encore_config	*encore_cfg;
int			 encore_worker_id = -1;

static struct encore_config	config_storage;

/*
 * System calls glibc (bookworm), libcurl, hiredis and OpenSSL make that
 * kore 4.1's worker filter lacks; a missing one kills a worker silently.
 */
KORE_SECCOMP_FILTER("encore",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(faccessat2),
	KORE_SYSCALL_ALLOW(clone3),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_ALLOW(statx),
	KORE_SYSCALL_ALLOW(pread64),
	KORE_SYSCALL_ALLOW(mremap),
	KORE_SYSCALL_ALLOW(sysinfo),
	KORE_SYSCALL_ALLOW(sched_getaffinity),
	KORE_SYSCALL_ALLOW(sched_yield),
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(tgkill),
	KORE_SYSCALL_ALLOW(prlimit64),
	KORE_SYSCALL_ALLOW(pipe2),
	KORE_SYSCALL_ALLOW(eventfd2),
	KORE_SYSCALL_ALLOW(ioctl),
	KORE_SYSCALL_ALLOW(bind),
	KORE_SYSCALL_ALLOW(shutdown),
	KORE_SYSCALL_ALLOW(recvmsg),
	KORE_SYSCALL_ALLOW(sendmsg),
	KORE_SYSCALL_ALLOW(sendmmsg),
	KORE_SYSCALL_ALLOW(fstatfs),
	KORE_SYSCALL_ALLOW(epoll_create1),
	KORE_SYSCALL_ALLOW(getsockopt),
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_NETLINK),
	KORE_SYSCALL_ALLOW(fdatasync),
	KORE_SYSCALL_ALLOW(ftruncate),
	KORE_SYSCALL_ALLOW(getppid),
	KORE_SYSCALL_ALLOW(madvise),
);

static const char *
encore_getenv(const char *name)
{
	return (getenv(name));
}

void
kore_parent_configure(int argc, char **argv)
{
	char			 err[256];
	struct metrics_shm	*m;

	(void)argc;
	(void)argv;

	if (config_load(&config_storage, encore_getenv, err, sizeof(err)) != 0) {
		fprintf(stderr, "encore: configuration error: %s\n", err);
		exit(1);
	}
	encore_cfg = &config_storage;

	if ((m = metrics_create()) == NULL) {
		fprintf(stderr, "encore: cannot map shared metrics\n");
		exit(1);
	}
	m->db_pool_size = encore_cfg->db_pool_size;

	/* kore reads these when the pool is used, in each worker. */
	pgsql_conn_max = (u_int16_t)encore_cfg->db_pool_size;
	pgsql_queue_limit = (u_int32_t)encore_cfg->db_queue_limit;

	kore_log(LOG_NOTICE, "encore: %s mode, dev login %s, public URL %s",
	    config_env_name(encore_cfg->env),
	    encore_cfg->dev_login ? "on" : "off", encore_cfg->public_url);
}

void
kore_worker_configure(void)
{
	encore_worker_id = worker != NULL ? worker->id : 0;

	/* Repeated on a module reload: kore keeps the first registration. */
	(void)kore_pgsql_register(ENCORE_DB, encore_cfg->database_url);
	pg_init();

	assets_load(encore_cfg->assets_dir, "");
	assets_load("docs", "/docs");
	probe_start();
	jobs_start();
}

void
kore_worker_teardown(void)
{
	probe_stop();
}
