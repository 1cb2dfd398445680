/*
 * encore.h: what every part of the server shares: the configuration, read
 * once in the parent before the workers fork, and the worker's identity.
 */
#ifndef ENCORE_H
#define ENCORE_H

#include "core/config.h"

#define ENCORE_DB	"db"

extern struct encore_config	*encore_cfg;
extern int			 encore_worker_id;

#endif
