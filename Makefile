# The front door. `make` installs missing Debian build dependencies (as root), builds, and leaves the
# binary at build/harden. `make check` builds and runs every test, then again under ASan+UBSan, then
# short libFuzzer runs. `make install [PREFIX=/usr/local] [DESTDIR=...]` installs the binary, libharden, the manual
# pages and the bash completion; `make uninstall [DESTDIR=...]` removes all of it again.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_RUNS  ?= 20000
PREFIX     ?= /usr/local
DESTDIR    ?=

.PHONY: all deps build check test test-asan fuzz example install uninstall clean

all: build

deps:
	@scripts/install-deps build

build: deps
	@# quiet when it works; meson's own message (on stdout) when it does not
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) >$(BUILD).setup.log 2>&1 || { cat $(BUILD).setup.log; exit 1; }
	ninja -C $(BUILD)

# Runs all three suites even when one fails, then prints one summary line.
check:
	@scripts/install-deps all
	@scripts/run-tests $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(FUZZ_RUNS)

test: build
	meson test -C $(BUILD) --print-errorlogs

# The main job on the bundled example unit (examples/sed-edit.service), verb by verb.
example: build
	@examples/demo.sh $(BUILD)/harden

# scripts/install-tree: meson install, plus a manifest of what it created, so uninstall leaves nothing
install: build
	@DESTDIR="$(DESTDIR)" scripts/install-tree install $(BUILD) "$(PREFIX)"

uninstall:
	@DESTDIR="$(DESTDIR)" scripts/install-tree uninstall $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
