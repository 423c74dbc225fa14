# Thin wrapper over CMake/CTest so the README's commands stay one line each.
#   make demo      build, then run the flagship example (bgemm on 72 cores, with a trace)
#   make test      build, then run the whole test suite
#   make sanitize  the suite under ASan+UBSan and under TSan (separate build dirs)
#   make bench     the scheduling-overhead benchmark
BUILD ?= build
JOBS ?= 2

.PHONY: deps build demo test sanitize asan tsan clang bench clean

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	$(BUILD)/bin/pto run examples/bgemm --blocks 24 --schedulers 3 --trace $(BUILD)/bgemm_trace.json
	@echo "open the trace in https://ui.perfetto.dev (Open trace file)"

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPTO_SANITIZE=address >/dev/null
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS)

tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPTO_SANITIZE=thread >/dev/null
	cmake --build build-tsan -j$(JOBS)
	cd build-tsan && ctest --output-on-failure -j$(JOBS)

sanitize: asan tsan

# -Wall -Wextra -Werror must also hold under clang (build only).
clang: deps
	CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build-clang -j$(JOBS)

bench: build
	$(BUILD)/bin/bench_graphs

clean:
	rm -rf $(BUILD) build-asan build-tsan build-clang
