# encore: build, run and test.
#
#   make run     the whole stack in the foreground (Ctrl-C stops it all)
#   make up      the same in the background; returns once /readyz is 200
#   make down    stops what make up started
#   make test    every test suite against a separate test stack
#   make bench   load benchmarks that print numbers (never fail on timing)

CC		?= cc
KORE_FEATURES	:= $(shell cat /usr/share/kore/features 2>/dev/null)
PKGS		:= libjwt hiredis libcurl json-c
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN		:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
		   -Wmissing-prototypes -Wstrict-prototypes
CFLAGS		+= -std=gnu11 -O2 -g -fPIC $(WARN) -Isrc $(PKG_CFLAGS) \
		   -I/usr/include/hiredis -D_GNU_SOURCE
LDLIBS		+= $(PKG_LIBS) -lcrypto -lpthread

BUILD		:= build
CORE_SRC	:= $(wildcard src/core/*.c)
APP_SRC		:= src/encore.c $(wildcard src/api/*.c src/http/*.c \
		   src/adapters/*.c src/jobs/*.c)
CORE_OBJ	:= $(CORE_SRC:src/%.c=$(BUILD)/obj/%.o)
APP_OBJ		:= $(APP_SRC:src/%.c=$(BUILD)/obj/%.o)
UNIT_SRC	:= $(filter-out tests/unit/test_workers.c, \
		   $(wildcard tests/unit/test_*.c))
UNIT_BIN	:= $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SAN		:= -fsanitize=address,undefined -fno-omit-frame-pointer

# Keep the sanitizer objects between test builds.
.SECONDARY:

.PHONY: all build run up down test test-unit test-sql test-integration \
	test-ui bench deps migrate clean

all: build

build: $(BUILD)/encore.so workers

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KORE_FEATURES) -c $< -o $@

# Written to a temporary name and renamed, so a running kore never maps a
# half-written object.
$(BUILD)/encore.so: $(CORE_OBJ) $(APP_OBJ)
	$(CC) -shared -o $@.tmp $^ $(LDLIBS)
	mv -f $@.tmp $@

# The unit tests link the pure core objects, built again with sanitizers.
$(BUILD)/san/%.o: src/%.c $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -c $< -o $@

$(BUILD)/tests/%: tests/unit/%.c $(CORE_SRC:src/%.c=$(BUILD)/san/%.o)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -Itests/unit $^ -o $@ $(LDLIBS) -lcmocka

# The outbox relay and the RabbitMQ consumers: their own processes.
include src/workers/workers.mk

deps:
	scripts/deps.sh

run: build
	scripts/stack.sh run

up: build
	scripts/stack.sh up

down:
	scripts/stack.sh down

migrate:
	scripts/stack.sh migrate

test:
	scripts/test.sh all

test-unit: unit-bins
	scripts/test.sh unit

test-sql:
	scripts/test.sh sql

test-integration:
	scripts/test.sh integration

test-ui:
	scripts/test.sh ui

unit-bins: $(UNIT_BIN) $(BUILD)/test_workers

bench: build
	scripts/bench.sh

clean:
	rm -rf $(BUILD)
