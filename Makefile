# The two commands of the README: `make run` and `make test`.
# Both install missing Debian packages (as root), configure and build with
# CMake into build/, then run the demo or the whole test suite.

BUILD     ?= build
BUILD_SAN ?= build-san
BUILD_FUZZ ?= build-fuzz
BUILD_TSAN ?= build-tsan
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build build-san build-fuzz run test test-fast test-san test-fuzz test-tsan fuzz clean

all: build

deps:
	@bash tools/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD_SAN)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DLRS_SANITIZE=ON -DLRS_PLAYGROUND=OFF $(CMAKE_FLAGS)

# The libFuzzer harnesses (clang, with ASan and UBSan): only they are built.
$(BUILD_FUZZ)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_FUZZ) -DCMAKE_C_COMPILER=clang-19 -DCMAKE_BUILD_TYPE=Debug \
	    -DLRS_SANITIZE=ON -DLRS_FUZZ=ON $(CMAKE_FLAGS)

build-fuzz: deps $(BUILD_FUZZ)/CMakeCache.txt
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzzers

# ThreadSanitizer: only the concurrency test is built and run.
$(BUILD_TSAN)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLRS_TSAN=ON $(CMAKE_FLAGS)

test-tsan: deps $(BUILD_TSAN)/CMakeCache.txt
	cmake --build $(BUILD_TSAN) -j $(JOBS) --target test_threads
	cd $(BUILD_TSAN) && ctest --output-on-failure -R hardening_threads

build-san: deps $(BUILD_SAN)/CMakeCache.txt
	cmake --build $(BUILD_SAN) -j $(JOBS)

run: build
	@bash examples/demo.sh $(BUILD)

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-san: build-san
	cd $(BUILD_SAN) && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    ctest --output-on-failure -j $(JOBS) -LE nosan

# A short, deterministic smoke run of each fuzzer (a fixed seed and run count).
test-fuzz: build-fuzz
	cd $(BUILD_FUZZ) && ctest --output-on-failure -L fuzz

test: test-fast test-san test-fuzz test-tsan

# Longer fuzzing: every harness for FUZZ_SECONDS (default 300) each, random seeds.
FUZZ_SECONDS ?= 300
fuzz: build-fuzz
	cd $(BUILD_FUZZ) && LRS_FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --output-on-failure -L fuzz

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ) $(BUILD_TSAN)
