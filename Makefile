# opsdeck — plain GNU make.
#
#   make          build build/opsdeck and build/kubesim
#   make demo     build and open the console on the FinPay demo
#   make test     every test CI runs (unit + end-to-end against kubesim)
#   make check    the same tests built with AddressSanitizer + UBSan
#   make bench    the benchmarks (numbers in docs/performance.md)
#   make fuzz     every fuzz target for FUZZ_SECONDS (default 300) each
#   make clean
#
# Missing Debian packages are installed by scripts/deps.sh, which this file
# runs by itself when pkg-config cannot find a library.

BUILD ?= build
SAN ?=
CC ?= cc

PKGS_OPSDECK := ncursesw libcurl jansson yaml-0.1 libgit2 readline
PKGS_KUBESIM := libmicrohttpd gnutls jansson yaml-0.1
PKGS_TEST := cmocka
PKGS_ALL := $(sort $(PKGS_OPSDECK) $(PKGS_KUBESIM) $(PKGS_TEST))

ifeq ($(filter clean,$(MAKECMDGOALS)),)
DEPS_OK := $(shell command -v pkg-config >/dev/null && pkg-config --exists $(PKGS_ALL) \
	&& command -v tmux >/dev/null && command -v curl >/dev/null \
	&& command -v clang >/dev/null && command -v git >/dev/null \
	&& command -v python3 >/dev/null && echo yes)
ifneq ($(DEPS_OK),yes)
$(info Some build or test dependencies are missing; running scripts/deps.sh)
DEPS_RUN := $(shell bash scripts/deps.sh 1>&2 && echo ok)
ifneq ($(DEPS_RUN),ok)
$(error scripts/deps.sh failed; see the messages above)
endif
endif
endif

pc_cflags = $(shell pkg-config --cflags $(1))
pc_libs = $(shell pkg-config --libs $(1))

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
CPPFLAGS += -std=c11 -D_GNU_SOURCE -Isrc -I. -MMD -MP
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CPPFLAGS += -DOPSDECK_VERSION='"$(VERSION)"'

OPSDECK_CFLAGS := $(call pc_cflags,$(PKGS_OPSDECK))
OPSDECK_LIBS := $(call pc_libs,$(PKGS_OPSDECK)) -lpthread
KUBESIM_CFLAGS := $(call pc_cflags,$(PKGS_KUBESIM))
KUBESIM_LIBS := $(call pc_libs,$(PKGS_KUBESIM)) -lpthread -lm
TEST_CFLAGS := $(call pc_cflags,$(PKGS_TEST))
TEST_LIBS := $(call pc_libs,$(PKGS_TEST))

BASE_SRC := $(wildcard src/base/*.c)
LIB_SRC := $(filter-out src/main.c,$(wildcard src/*/*.c)) $(wildcard ui/*.c)
KUBESIM_SRC := $(wildcard tests/kubesim/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
# Fuzz targets are built with clang's libFuzzer from the engine's sources
# (no ncurses: the parsers they exercise do not need it).
FUZZ_LIB_SRC := $(wildcard src/base/*.c src/kube/*.c src/loop/*.c src/git/*.c src/model/*.c src/runbook/*.c) \
	ui/action.c ui/keymap.c ui/theme.c
FUZZ_PKGS := libcurl jansson yaml-0.1 libgit2
FUZZ_CC ?= clang

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
# The keymaps and themes, compiled in as the defaults (ui/builtin.h).
GEN_OBJ := $(BUILD)/obj/gen/builtin.o
LIB_OBJ := $(call obj,$(LIB_SRC)) $(GEN_OBJ)
BASE_OBJ := $(call obj,$(BASE_SRC))
KUBESIM_OBJ := $(call obj,$(KUBESIM_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

all: $(BUILD)/opsdeck $(BUILD)/kubesim

$(BUILD)/libopsdeck.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/opsdeck: $(call obj,src/main.c) $(BUILD)/libopsdeck.a
	$(CC) $(LDFLAGS) -o $@ $^ $(OPSDECK_LIBS)

$(BUILD)/libkubesim.a: $(filter-out $(BUILD)/obj/tests/kubesim/main.o,$(KUBESIM_OBJ))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/kubesim: $(BUILD)/obj/tests/kubesim/main.o $(BUILD)/libkubesim.a $(BUILD)/libopsdeck.a
	$(CC) $(LDFLAGS) -o $@ $^ $(KUBESIM_LIBS) $(OPSDECK_LIBS)

# Unit tests link the engine and kubesim's parts as libraries, so each test
# pulls in only the modules it uses.
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libkubesim.a $(BUILD)/libopsdeck.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(KUBESIM_LIBS) $(OPSDECK_LIBS)

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(WARN) $(CFLAGS) $(TEST_CFLAGS) $(OPSDECK_CFLAGS) $(KUBESIM_CFLAGS) -c -o $@ $<

$(BUILD)/obj/tests/kubesim/%.o: tests/kubesim/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(KUBESIM_CFLAGS) -c -o $@ $<

$(BUILD)/gen/builtin.c: scripts/embed.sh $(wildcard keymaps/* themes/*)
	@mkdir -p $(@D)
	bash scripts/embed.sh $@

$(GEN_OBJ): $(BUILD)/gen/builtin.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(OPSDECK_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRC) $(wildcard src/*/*.h ui/*.h tests/fuzz/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -Isrc -I. -DOPSDECK_VERSION='"$(VERSION)"' \
		-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$(call pc_cflags,$(FUZZ_PKGS)) -o $@ $< $(FUZZ_LIB_SRC) \
		$(call pc_libs,$(FUZZ_PKGS))

tests: $(UNIT_BIN) $(FUZZ_BIN)

test: all tests
	BUILD=$(BUILD) bash tests/run.sh

fuzz: $(FUZZ_BIN)
	BUILD=$(BUILD) FUZZ_SECONDS=$${FUZZ_SECONDS:-300} bash tests/fuzz/run.sh

check:
	$(MAKE) BUILD=build/san SAN=1 test

# The C benchmarks: one program per bench/NAME.c.
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libopsdeck.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(OPSDECK_LIBS)

bench: all $(BUILD)/bench/logbuf $(BUILD)/bench/auditlog
	BUILD=$(BUILD) bash bench/kubesim.sh
	BUILD=$(BUILD) bash bench/client.sh
	BUILD=$(BUILD) bash bench/model.sh
	BUILD=$(BUILD) bash bench/runbook.sh
	BUILD=$(BUILD) bash bench/console.sh
	$(BUILD)/bench/logbuf
	$(BUILD)/bench/auditlog

# Build, then open the console on the FinPay demo: a generated config repo
# and two kubesim clusters, stopped again when the console exits.
demo: all
	bash scripts/demo.sh $(ARGS)

clean:
	rm -rf build

.PHONY: all tests test check bench fuzz demo clean
.SECONDARY:
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
