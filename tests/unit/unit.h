/*
 * unit.h: what every encore unit test starts with.
 *
 * cmocka needs <stdarg.h>, <stddef.h>, <setjmp.h> and <stdint.h> before
 * <cmocka.h>; keeping that order in one place saves each test from it.
 * Each test binary is one cmocka group: it prints cmocka's summary and
 * exits with the number of failed tests.
 */
#ifndef ENCORE_UNIT_H
#define ENCORE_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#endif
