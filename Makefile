# A thin layer over CMake; the README explains each target.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build run test bench lint fmt clean deps

all: build

deps:
	@scripts/install-deps.sh run

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# Builds, creates var/egov.db with the demo province on first start, serves on 127.0.0.1:8080.
run: build
	@if [ ! -f var/egov.db ] && [ -z "$$EGOV_DB" ]; then $(BUILD)/egov init --demo; fi
	@exec $(BUILD)/egov serve

test:
	@scripts/test.sh

bench:
	@scripts/install-deps.sh bench
	@scripts/bench.sh

lint:
	@scripts/install-deps.sh lint
	@cmake -S . -B $(BUILD) >/dev/null
	@tools/lint.sh

fmt:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz
