# callbench — build, test, bench, run.
# Every dependency comes through pkg-config; scripts/install-deps.sh installs
# the Debian packages that provide them.

CC      ?= cc
PKGS    := vpx opus libsrtp2 jansson libxdp libbpf openh264 speexdsp libyuv libwebsockets libcrypto
# Debian ships no libyuv.pc: scripts/pkgconfig has one for its install.
PKG_CONFIG := PKG_CONFIG_PATH=$(CURDIR)/scripts/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH)) pkg-config
TPKGS   := cunit
# GStreamer: only for callbench-gst, the reference end of `callbench bench call`.
GPKGS   := gstreamer-1.0
CSTD    := -std=gnu11
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers
OPT     ?= -O2 -g
CFLAGS  += $(CSTD) $(WARN) $(OPT) -pthread -Iharness -MMD -MP
ifdef WERROR
CFLAGS  += -Werror
endif

# What versions.c reports for the libraries without a run-time version call.
VERSION_DEFS := -DCB_SPEEXDSP_VERSION='"$(shell $(PKG_CONFIG) --modversion speexdsp 2>/dev/null)"' \
	-DCB_LIBXDP_VERSION='"$(shell $(PKG_CONFIG) --modversion libxdp 2>/dev/null)"' \
	-DCB_GIT_REV='"$(shell git rev-parse --short HEAD 2>/dev/null | sed 's/^/+/')"'

BUILD   := build
LIB     := $(BUILD)/libcallbench.a
BIN     := $(BUILD)/callbench
TESTBIN := $(BUILD)/callbench-tests
GSTBIN  := $(BUILD)/callbench-gst

LIB_SRC  := $(sort $(wildcard harness/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
BIN_SRC  := $(sort $(wildcard bench/*.c))
BIN_OBJ  := $(BIN_SRC:%.c=$(BUILD)/%.o)
# callbench-gst links GStreamer and the option parser (with the settings
# engine it runs on, base/setting.c, from the library).
GST_OBJ  := $(BUILD)/bench/gst/gst_peer.o $(BUILD)/bench/options.o
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_AUX := $(filter-out tests/runner.c $(TEST_SRC),$(sort $(wildcard tests/*.c)))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o) $(TEST_AUX:%.c=$(BUILD)/%.o) $(BUILD)/tests/runner.o
SUITES   := $(patsubst tests/test_%.c,%,$(TEST_SRC))
# tests/fuzz/fuzz_<target>.c: one libFuzzer target each (tests/fuzz/fuzz.h).
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay-%)

.PHONY: all deps run test check bench clean format fuzz fuzz-bins fuzz-replay fuzz-seeds fuzz-merge sanitize

# The fuzz objects are intermediates of pattern rules: keep them.
.SECONDARY: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/fuzz/*.c))

all: deps-stamp $(BIN) $(GSTBIN) $(TESTBIN) $(FUZZ_REPLAY)

# Install missing Debian packages once; the stamp is refreshed by `make deps`.
deps:
	@scripts/install-deps.sh
	@mkdir -p $(BUILD) && touch $(BUILD)/.deps
deps-stamp: $(BUILD)/.deps
$(BUILD)/.deps: scripts/install-deps.sh
	@scripts/install-deps.sh
	@mkdir -p $(BUILD) && touch $@

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm
T_CFLAGS   = $(shell $(PKG_CONFIG) --cflags $(TPKGS))
T_LIBS     = $(shell $(PKG_CONFIG) --libs $(TPKGS))

$(BUILD)/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(T_CFLAGS) -c $< -o $@

$(BUILD)/harness/report/versions.o: CFLAGS += $(VERSION_DEFS)
# The git revision it names: rebuilt when HEAD moves.
$(BUILD)/harness/report/versions.o: $(wildcard .git/HEAD .git/refs/heads/*)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BIN_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(BIN_OBJ) $(LIB) $(PKG_LIBS) -pthread

# The runner registers every tests/test_<name>.c through cb_suite_<name>().
$(BUILD)/tests/suites.inc: $(TEST_SRC) Makefile
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach s,$(SUITES),"SUITE($(s))") > $@.tmp && mv $@.tmp $@
$(BUILD)/tests/runner.o: tests/runner.c $(BUILD)/tests/suites.inc
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(BUILD)/tests $(PKG_CFLAGS) $(T_CFLAGS) -c $< -o $@

$(BUILD)/bench/gst/gst_peer.o: CFLAGS += -Ibench $(shell $(PKG_CONFIG) --cflags $(GPKGS))
$(GSTBIN): $(GST_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(GST_OBJ) $(LIB) $(shell $(PKG_CONFIG) --libs $(GPKGS)) $(PKG_LIBS) \
		-lm -pthread

$(TESTBIN): $(TEST_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(TEST_OBJ) $(LIB) $(PKG_LIBS) $(T_LIBS) -pthread

# Each fuzz target with a plain main() (tests/fuzz/replay.c) that runs the
# files it is given: how `make test` runs the corpora, with any compiler.
$(BUILD)/fuzz/replay-%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o \
		$(BUILD)/tests/fuzz/util.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -pthread

# The main job: a default 10-second loopback call that writes a report under
# results/ (results/latest points at it).  Pass options with ARGS="...".
run: all
	$(BIN) run $(ARGS)

# The test suite.  CB_TEST_FILTER=<suite> runs one suite.
# ...then re-runs the stored baselines (fixtures/baselines/, simulated clock)
# and fails on a regression against them.
# The baseline gate runs first so that the CUnit runner's closing
# "N passed, N failed" line is the last thing the test command prints.
test: all
	CALLBENCH=$(BIN) scripts/check-baselines.sh
	@$(MAKE) --no-print-directory fuzz-replay
	$(TESTBIN)

# Every input of every fuzz corpus (tests/fuzz/corpus/<target>/), once.
fuzz-replay: $(FUZZ_REPLAY)
	@for t in $(FUZZ_TARGETS); do \
		$(BUILD)/fuzz/replay-$$t tests/fuzz/corpus/$$t 2>$(BUILD)/fuzz/$$t.log || { \
			tail -n 30 $(BUILD)/fuzz/$$t.log; \
			echo "fuzz corpus $$t: FAILED (the last 'input' line names the input)"; \
			exit 1; }; \
	done

# Regenerate fixtures/baselines/*.json after an intended change
# (fixtures/baselines/README.md says when and how to review it).
.PHONY: baselines
baselines: all
	scripts/check-baselines.sh --refresh

check: test

# ---- fuzzing: clang's libFuzzer, with ASan and UBSan ----
# `make fuzz FUZZ_SECONDS=N` runs every target N seconds (FUZZ_TARGETS="a b"
# for some); new inputs collect in build-fuzz/corpus/<target>/, crashes in
# build-fuzz/crash-<target>-*.  `make fuzz-merge` adds the inputs that reach
# new code to the committed corpus (tests/fuzz/corpus/).
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build-fuzz
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=undefined
fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		OPT="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link" fuzz-bins
	scripts/fuzz.sh run $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
fuzz-merge:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		OPT="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link" fuzz-bins
	scripts/fuzz.sh merge $(FUZZ_BUILD) 0 $(FUZZ_TARGETS)
fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)
$(BUILD)/fuzz/fuzz-%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/util.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) -pthread

# Rebuild the seed corpus from the library's writers and fixtures/.
fuzz-seeds: $(BUILD)/fuzz/seeds
	$(BUILD)/fuzz/seeds tests/fuzz/corpus fixtures
$(BUILD)/fuzz/seeds: $(BUILD)/tests/fuzz/seeds.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -pthread

# ---- sanitizers: the whole test suite under ASan + UBSan, then the
# threaded real-clock suites under TSan (each in its own build folder; TSan
# is too slow for real time, so CB_TEST_SLOW=1 tells those suites not to
# hold figures that need the machine to keep up — it is there for races) ----
SAN_FLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	      -fno-sanitize-recover=undefined
TSAN_FLAGS := -O1 -g -fsanitize=thread
TSAN_SUITES ?= call transport receiver capture xdp signal peer
sanitize:
	ASAN_OPTIONS="detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1" \
		$(MAKE) --no-print-directory BUILD=build-asan OPT="$(SAN_FLAGS)" test
	@$(MAKE) --no-print-directory BUILD=build-tsan OPT="$(TSAN_FLAGS)" all
	CB_TEST_FILTER="$(TSAN_SUITES)" CB_TEST_SLOW=1 TSAN_OPTIONS="halt_on_error=1" \
		build-tsan/callbench-tests

# The benchmarks: bench transport (ARGS="..." for it), then bench call, a
# callbench call beside GStreamer's pipeline pair (CALL_ARGS="..."; its
# defaults, 5 pairs of 10 s runs, take about three minutes).  Figures worth
# keeping come from a quiet machine: bench call says when it was not.
.PHONY: bench-call
bench: all
	$(BIN) bench transport $(ARGS)
	$(BIN) bench call $(CALL_ARGS)

# bench call alone: make bench-call ARGS="--runs 9 --peers process"
bench-call: all
	$(BIN) bench call $(ARGS)

# Peak memory of 60 s, 600 s and 3600 s simulated calls and the growth per
# media second (the hour takes about 12 minutes); DURATIONS="60 300" for others.
.PHONY: bench-memory
bench-memory: all
	CALLBENCH=$(BIN) scripts/memory-bench.sh $(DURATIONS)

format:
	clang-format -i harness/*/*.[ch] bench/*.[ch] bench/gst/*.c tests/*.[ch] tests/fuzz/*.[ch]

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) build-asan build-tsan

-include $(LIB_OBJ:.o=.d) $(BIN_OBJ:.o=.d) $(GST_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(wildcard $(BUILD)/tests/fuzz/*.d)
