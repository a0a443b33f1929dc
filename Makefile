# gridcase - one non-recursive GNU Makefile.
#
#   make            build ./gridcase (build/)
#   make test       install missing packages, build with ASan+UBSan
#                   (build-san/), run every test; last line "N passed, N failed"
#   make demo       install missing packages, build, run the demonstration
#   make bench      build optimised, run the benchmarks
#   make fuzz       install clang, run each libFuzzer target for
#                   FUZZ_SECONDS (default 60) (build-fuzz/)
#   make soak       install missing packages, build optimised (SOAK_SAN=1:
#                   build-san/), run a district under faults for
#                   SOAK_SECONDS (default 300) (docs/soak.md)
#   make fuzz-seeds rewrite the seeds in tests/fuzz/corpus/ from the encoders
#   make install    PREFIX=/usr/local DESTDIR=
#   make deb        a Debian package in build-deb/ (lintian: no error)
#   make deb-test   install it and run a node from the installed files
#   V=1             show full commands

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/gridcase
MANDIR = $(PREFIX)/share/man
UNITDIR = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions
DOCDIR = $(PREFIX)/share/doc/gridcase

CC ?= cc
CFLAGS ?= -O2 -g
WARN = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wold-style-definition -Wvla -Wwrite-strings \
       -Wformat=2 -Wpointer-arith -Werror
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
      -fno-omit-frame-pointer -O1 -g

# Debian's libnng-dev ships no pkg-config file, so nng is linked by hand.
# These are recursively expanded on purpose: `make test` installs the
# packages first, and only then are the pkg-config calls evaluated.
PKGS = lmdb libsodium libuv msgpack
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lnng -lpthread -lm
ALL_CPPFLAGS = -I. -D_GNU_SOURCE -DGRIDCASE_DATADIR='"$(DATADIR)"' \
	       $(PKG_CFLAGS) $(CPPFLAGS)

DEB_PKGS = build-essential pkg-config liblmdb-dev libsodium-dev libnng-dev \
	   libuv1-dev libmsgpack-dev
# make test also checks the formatted files (tests/integration/format.sh),
# and drives the web console in a headless Chromium through chromedriver
# (tests/integration/browser.sh; the CJK fonts draw its Chinese pages);
# as root it builds, installs and purges the Debian package
# (tests/integration/deb.sh).
TEST_PKGS = clang-format chromium chromium-driver fonts-noto-cjk $(DEB_BUILD_PKGS)
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

LIB_SRC = $(wildcard common/*.c crypto/*.c store/*.c node/*.c node/case/*.c \
	   node/http/*.c replication/*.c)
CLI_SRC = $(wildcard cli/*.c)
UNIT_SRC = $(wildcard tests/unit/*_test.c)
BENCH_SRC = $(wildcard bench/*_bench.c)
TOOL_SRC = $(wildcard tests/tools/*.c)
# Each tests/fuzz/<name>_fuzz.c is one fuzz target (tests/fuzz/fuzz.h).
FUZZ_ALL = $(patsubst tests/fuzz/%_fuzz.c,%,$(wildcard tests/fuzz/*_fuzz.c))

LIB_OBJ = $(LIB_SRC:%.c=build/%.o)
CLI_OBJ = $(CLI_SRC:%.c=build/%.o)
SAN_LIB_OBJ = $(LIB_SRC:%.c=build-san/%.o)
SAN_CLI_OBJ = $(CLI_SRC:%.c=build-san/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=build-san/tests/%)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=build-san/tools/%)
REPLAY_BIN = $(FUZZ_ALL:%=build-san/tests/fuzz_corpus_%)
BENCH_BIN = $(BENCH_SRC:bench/%.c=build/bench/%)

ifeq ($(V),1)
Q =
say =
else
Q = @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

.PHONY: all test check demo bench soak fuzz fuzz-seeds install clean deps format format-check format-files lint deb deb-test
.DEFAULT_GOAL := all

all: gridcase

gridcase: $(CLI_OBJ) build/libgridcase.a
	$(call say,LINK,$@)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

build/libgridcase.a: $(LIB_OBJ)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

build/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

build-san/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC-SAN,$<)$(CC) $(ALL_CPPFLAGS) $(SAN) $(WARN) -MMD -MP -c -o $@ $<

build-san/libgridcase.a: $(SAN_LIB_OBJ)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

build-san/gridcase: $(SAN_CLI_OBJ) build-san/libgridcase.a
	$(call say,LINK,$@)$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

TEST_SUPPORT = build-san/tests/harness.o build-san/tests/testnode.o

build-san/tests/%: build-san/tests/unit/%.o $(TEST_SUPPORT) build-san/libgridcase.a
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

# make_admission makes its stores with the harness's temporary folders.
build-san/tools/make_admission: build-san/tests/harness.o
build-san/tools/%: build-san/tests/tools/%.o build-san/libgridcase.a
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

# A fuzz target with the replay driver: the corpus as a suite of make test.
build-san/tests/fuzz_corpus_%: build-san/tests/fuzz/%_fuzz.o build-san/tests/fuzz/replay.o $(TEST_SUPPORT) build-san/libgridcase.a
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

# The same targets with libFuzzer, built by clang: the library is
# instrumented for coverage, the target's file links libFuzzer's main.
FUZZ_CC = clang
FUZZ_PKGS = clang libclang-rt-dev
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	   -fno-omit-frame-pointer -O1 -g
# gcc 12 is the compiler whose warnings are errors; clang warns on its own.
FUZZ_WARN = $(filter-out -Werror,$(WARN)) -Wno-format-nonliteral
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=build-fuzz/%.o)
FUZZ_BIN = $(FUZZ_ALL:%=build-fuzz/%_fuzz)

build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CLANG,$<)$(FUZZ_CC) $(ALL_CPPFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(FUZZ_WARN) -MMD -MP -c -o $@ $<

build-fuzz/libgridcase.a: $(FUZZ_LIB_OBJ)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

build-fuzz/%_fuzz: build-fuzz/tests/fuzz/%_fuzz.o build-fuzz/tests/fuzz/fuzz_main.o build-fuzz/libgridcase.a
	$(call say,LINK,$@)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

# The attack tool, optimised, for the benchmarks (bench/hostile_bench.c).
build/tools/%: build/tests/tools/%.o build/libgridcase.a
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# Objects are kept (none is "intermediate"): make would otherwise delete
# them after the tests and print that as the last line.
.SECONDARY:
build/bench/%: build/bench/%.o build/bench/lib.o build/bench/workload.o build/libgridcase.a
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# Installs the Debian packages that are missing, and says which; silent
# when everything is there.  DEPS_EXTRA adds packages (make fuzz: clang).
deps:
	@missing=""; for p in $(DEB_PKGS) $(DEPS_EXTRA); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing missing packages:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

# Builds on every core; the suites then run three at a time (tests/run.sh).
test:
	@$(MAKE) --no-print-directory deps DEPS_EXTRA="$(TEST_PKGS)"
	@$(MAKE) --no-print-directory -j$$(nproc) check

# The benchmarks are built too (not run): a change of an API they use
# must not go unnoticed until the next `make bench`.
check: build-san/gridcase $(UNIT_BIN) $(TOOL_BIN) $(REPLAY_BIN) $(BENCH_BIN)
	@tests/run.sh

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory gridcase
	@tests/demo.sh

bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory gridcase $(BENCH_BIN) build/tools/net_hostile
	@bench/run.sh

# A district of SOAK_NODES daemons under kill -9, partitions, skewed
# clocks, a full disk and a hostile client for SOAK_SECONDS; not part of
# make test (docs/soak.md).  SOAK_SAN=1 runs the sanitizer build.
SOAK_SAN ?= 0
soak:
	@$(MAKE) --no-print-directory deps
	@if [ "$(SOAK_SAN)" = 1 ]; then \
		$(MAKE) --no-print-directory build-san/gridcase build-san/tools/net_hostile; \
	else \
		$(MAKE) --no-print-directory gridcase build/tools/net_hostile; \
	fi
	@SOAK_SAN=$(SOAK_SAN) tests/soak/soak.sh

# FUZZ_SECONDS per target; FUZZ_TARGETS="json wire" runs only those.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_ALL)
fuzz:
	@$(MAKE) --no-print-directory deps DEPS_EXTRA="$(FUZZ_PKGS)"
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=build-fuzz/%_fuzz)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-seeds: $(REPLAY_BIN)
	@for t in $(FUZZ_ALL); do \
		mkdir -p tests/fuzz/corpus/$$t && \
		GRIDCASE_FUZZ_SEEDS=tests/fuzz/corpus/$$t build-san/tests/fuzz_corpus_$$t || exit 1; \
		echo "  SEEDS  tests/fuzz/corpus/$$t"; \
	done

install: gridcase
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)
	install -m 755 gridcase $(DESTDIR)$(BINDIR)/gridcase
	install -d $(DESTDIR)$(DATADIR)/district
	install -m 644 data/*.csv data/*.json $(DESTDIR)$(DATADIR)/
	install -m 644 data/district/* $(DESTDIR)$(DATADIR)/district/
	install -d $(DESTDIR)$(DATADIR)/web
	install -m 644 data/web/* $(DESTDIR)$(DATADIR)/web/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR)
	install -m 644 docs/man/gridcase.1 $(DESTDIR)$(MANDIR)/man1/gridcase.1
	sed 's|/usr/local/bin|$(BINDIR)|' docs/man/gridcase.service > $(DESTDIR)$(UNITDIR)/gridcase.service
	chmod 644 $(DESTDIR)$(UNITDIR)/gridcase.service
	install -d $(DESTDIR)$(SYSUSERSDIR)
	install -m 644 docs/man/gridcase.sysusers $(DESTDIR)$(SYSUSERSDIR)/gridcase.conf
	install -d $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(DOCDIR)
	install -m 644 docs/man/gridcase.bash $(DESTDIR)$(COMPLETIONDIR)/gridcase
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/

# A Debian package of this tree (debian/), built in a copy of it in
# build-deb/ by dpkg-buildpackage, then checked by lintian (no error
# allowed).  deb-test installs it and runs a node from the installed
# files only (tests/integration/deb.sh, which make test also runs, as
# root: it builds the package itself then).
DEB_BUILD_PKGS = debhelper lintian dpkg-dev fakeroot
DEB_VERSION = 0.1.0

deb:
	@$(MAKE) --no-print-directory deps DEPS_EXTRA="$(DEB_BUILD_PKGS)"
	rm -rf build-deb && mkdir -p build-deb/gridcase-$(DEB_VERSION)
	tar -c --exclude=./build --exclude=./build-san --exclude=./build-fuzz \
		--exclude=./build-deb --exclude=./.git --exclude=./gridcase \
		--exclude=./gridcase-data . | tar -x -C build-deb/gridcase-$(DEB_VERSION)
	cd build-deb/gridcase-$(DEB_VERSION) && dpkg-buildpackage -us -uc -b
	lintian --fail-on error --suppress-tags-from-file /dev/null \
		build-deb/gridcase_$(DEB_VERSION)_*.changes

deb-test: deb
	@tests/integration/deb.sh build-deb/gridcase_$(DEB_VERSION)_*.deb

# The files kept in the style of .clang-format.  The tree is not
# reformatted wholesale: a file joins the list once it is formatted.
FORMAT_FILES = node/api.c node/api.h node/peers.c node/peers.h \
	       node/view.c node/view.h node/files.c node/files.h \
	       node/eval_store.c node/eval_store.h node/grid_store.h \
	       node/case/source.h tests/unit/case_domain_test.c \
	       tests/unit/err_codes_test.c tests/unit/node_api_test.c \
	       node/http/open311.c node/http/open311.h cli/cmd_open311.c \
	       tests/unit/open311_test.c \
	       crypto/merkle.c crypto/merkle.h node/period.c node/period.h \
	       node/case/eval_codec.c node/case/eval_codec.h \
	       cli/cmd_eval_close.c tests/unit/period_test.c \
	       node/bundle.c node/bundle.h cli/cmd_audit.c \
	       tests/tools/tamper_bundle.c tests/tools/make_audit_vectors.c \
	       node/witness.c node/witness.h store/ids.c

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

# For tests/integration/format.sh, a suite of make test.
format-files:
	@echo $(FORMAT_FILES)

lint:
	cppcheck --quiet --enable=warning,performance,portability -I. $(LIB_SRC) $(CLI_SRC)

clean:
	rm -rf build build-san build-fuzz build-deb gridcase

-include $(shell find build build-san build-fuzz -name '*.d' 2>/dev/null)
