# Thin wrapper over CMake/CTest so the README's commands stay one line each.
#   make demo      build, then run the flagship example (bgemm on 72 cores, with a trace)
#   make test      build, then run the whole test suite
#   make sanitize  the suite under ASan+UBSan and under TSan (separate build dirs)
#   make bench     the scheduling-overhead benchmark
#   make fuzz      the libFuzzer targets in fuzz/, FUZZ_SECONDS each (clang)
#   make stress    pto_stress for STRESS_SECONDS (random programs and DAGs)
BUILD ?= build
JOBS ?= 2

.PHONY: deps build demo test sanitize asan tsan clang bench fuzz stress clean

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

FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps.sh clang libclang-rt-14-dev
	CC=clang cmake -S . -B build-fuzz -DPTO_FUZZ=ON >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target fuzz_region fuzz_tensor_map fuzz_expr fuzz_npy fuzz_plan
	@mkdir -p build-fuzz/corpus/plan && i=0 && for f in examples/plans/*/*.json tests/data/plans/*.json \
	  tests/data/plans/*/plan.json; do i=$$((i+1)); cp $$f build-fuzz/corpus/plan/seed$$i.json; done
	@for t in region tensor_map expr npy plan; do \
	  mkdir -p build-fuzz/corpus/$$t && \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s" && \
	  build-fuzz/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus/$$t \
	    $$([ -d fuzz/seeds/$$t ] && echo fuzz/seeds/$$t) 2>build-fuzz/fuzz_$$t.log || \
	    { tail -n 40 build-fuzz/fuzz_$$t.log; exit 1; }; \
	  grep -E "^(Done|stat::number_of_executed_units)" build-fuzz/fuzz_$$t.log; \
	done

STRESS_SECONDS ?= 600
stress: build
	$(BUILD)/bin/pto_stress --seconds $(STRESS_SECONDS)

bench: build
	$(BUILD)/bin/bench_graphs

clean:
	rm -rf $(BUILD) build-asan build-tsan build-clang build-fuzz
