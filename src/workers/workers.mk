# workers.mk: encore-relay and encore-consumer, included by the Makefile.
#
#   make workers             build/encore-relay, build/encore-consumer
#   make workers-unit-test   build and run tests/unit/test_workers (cmocka)
#   make workers-probe       build/amqp_probe, used by tests/integration/amqp_flow.sh
#
# Everything here is prefixed WORKERS_ so it cannot collide with the
# includer's variables. Paths are relative to the repository root.

WORKERS_BUILD	?= build
WORKERS_SRC	:= src/workers
WORKERS_OBJ	:= $(WORKERS_BUILD)/workers

WORKERS_PKGS	:= librabbitmq libpq
WORKERS_CFLAGS	:= -std=c11 -Wall -Wextra -Werror -O2 -D_POSIX_C_SOURCE=200809L \
		   $(shell pkg-config --cflags $(WORKERS_PKGS))
WORKERS_LIBS	:= $(shell pkg-config --libs $(WORKERS_PKGS))

WORKERS_PURE	:= $(WORKERS_OBJ)/config.o $(WORKERS_OBJ)/policy.o
WORKERS_IO	:= $(WORKERS_OBJ)/broker.o $(WORKERS_OBJ)/daemon.o
WORKERS_HDRS	:= $(wildcard $(WORKERS_SRC)/*.h)

.PHONY: workers workers-unit-test workers-probe

workers: $(WORKERS_BUILD)/encore-relay $(WORKERS_BUILD)/encore-consumer

$(WORKERS_OBJ)/%.o: $(WORKERS_SRC)/%.c $(WORKERS_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WORKERS_CFLAGS) -c -o $@ $<

$(WORKERS_BUILD)/encore-relay: $(WORKERS_OBJ)/relay.o $(WORKERS_PURE) $(WORKERS_IO)
	$(CC) -o $@ $^ $(WORKERS_LIBS)

$(WORKERS_BUILD)/encore-consumer: $(WORKERS_OBJ)/consumer.o $(WORKERS_PURE) $(WORKERS_IO)
	$(CC) -o $@ $^ $(WORKERS_LIBS)

$(WORKERS_BUILD)/test_workers: tests/unit/test_workers.c $(WORKERS_PURE) $(WORKERS_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WORKERS_CFLAGS) -I$(WORKERS_SRC) -o $@ $< $(WORKERS_PURE) \
	    $(shell pkg-config --libs librabbitmq) -lcmocka

workers-unit-test: $(WORKERS_BUILD)/test_workers
	./$(WORKERS_BUILD)/test_workers

workers-probe: $(WORKERS_BUILD)/amqp_probe

$(WORKERS_BUILD)/amqp_probe: tests/integration/amqp_probe.c $(WORKERS_PURE) \
    $(WORKERS_OBJ)/broker.o $(WORKERS_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WORKERS_CFLAGS) -I$(WORKERS_SRC) -o $@ $< $(WORKERS_PURE) \
	    $(WORKERS_OBJ)/broker.o $(shell pkg-config --libs librabbitmq)
