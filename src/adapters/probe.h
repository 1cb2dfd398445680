/*
 * probe.h: is Redis up, is RabbitMQ up? Answered without blocking a worker.
 *
 * A background thread in each worker checks both once a second with short
 * timeouts (a Redis PING; an AMQP protocol header answered by
 * Connection.Start) and publishes the answer in shared memory, where
 * /readyz and /metrics read it.
 */
#ifndef ENCORE_PROBE_H
#define ENCORE_PROBE_H

void	probe_start(void);
void	probe_stop(void);
int	probe_redis_up(void);
int	probe_amqp_up(void);

#endif
