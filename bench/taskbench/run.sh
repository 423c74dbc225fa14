#!/usr/bin/env bash
# taskbench: PTO runtime vs OpenMP (libgomp, LLVM libomp), oneTBB flow_graph,
# StarPU (eager, lws), a pthreads floor and a serial floor, on Task Bench-style
# workloads. See bench/taskbench/README.md.
#
#   bench/taskbench/run.sh            full run (~10-20 min on 2 CPUs)
#   bench/taskbench/run.sh --quick    short run (< ~3 min): fewer steps/levels/reps
#   bench/taskbench/run.sh --check    self-check: every runtime x pattern validates,
#                                     and a deliberately wrong order is rejected
# Options: --no-install (skip apt), --out DIR (default bench/taskbench/results).
# Env: TB_BUILD (default <repo>/build-tb), TB_CPUS (default: nproc).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODE=full
INSTALL=1
OUT="$HERE/results"
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) MODE=quick ;;
    --check) MODE=check ;;
    --no-install) INSTALL=0 ;;
    --out) OUT=$2; shift ;;
    -h | --help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
BUILD=${TB_BUILD:-$ROOT/build-tb}
CPUS=${TB_CPUS:-$(nproc)}
BIN="$BUILD/taskbench"

# ---- peers from Debian -------------------------------------------------------
PKGS="gcc g++ clang make cmake pkg-config libcmocka-dev libcjson-dev libomp-dev libtbb-dev libstarpu-dev gnuplot-nox"
if [ "$INSTALL" = 1 ]; then
    missing=""
    for p in $PKGS; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        SUDO=""
        [ "$(id -u)" = 0 ] || SUDO=sudo
        echo "# installing:$missing" >&2
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
    fi
fi

# ---- build -----------------------------------------------------------------------
echo "# building libpto (RelWithDebInfo) and the drivers into $BUILD" >&2
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target pto_static -j"$CPUS" >/dev/null
make -s -C "$HERE" PTO_BUILD="$BUILD" OUT="$BIN" >/dev/null

export OMP_NUM_THREADS=$CPUS
export STARPU_HOME="$BUILD/starpu-home" STARPU_NCPU=$CPUS STARPU_NCUDA=0 STARPU_NOPENCL=0 STARPU_SILENT=1
mkdir -p "$STARPU_HOME"

# Ours: main shape 2 blocks x 2 schedulers (4 AIV cores; two scheduler threads
# host the executors, plus the streamed orchestrator thread), bounded window.
OURS_ENV="TB_PTO_BLOCKS=2 TB_PTO_SCHEDULERS=2 TB_PTO_WINDOW=1024 TB_PTO_DEP_POOL=4096 TB_PTO_TENSORMAP=8192 TB_PTO_SCOPE_TASKS=64"
OURS24_ENV="TB_PTO_BLOCKS=24 TB_PTO_SCHEDULERS=3 TB_PTO_WINDOW=1024 TB_PTO_DEP_POOL=4096 TB_PTO_TENSORMAP=8192 TB_PTO_SCOPE_TASKS=64"
OURSBIG_ENV="TB_PTO_BLOCKS=2 TB_PTO_SCHEDULERS=2 TB_PTO_SCOPE_TASKS=64" # library default window 16384

# name|binary|environment
RUNTIMES=(
    "serial|tb_serial|"
    "pthreads|tb_pthreads|"
    "ours|tb_ours|$OURS_ENV"
    "ours-24x3|tb_ours|$OURS24_ENV"
    "omp-libgomp|tb_omp_gomp|"
    "omp-libomp|tb_omp_llvm|"
    "tbb-flowgraph|tb_tbb|"
    "starpu-eager|tb_starpu|STARPU_SCHED=eager"
    "starpu-lws|tb_starpu|STARPU_SCHED=lws"
)
MAIN_EXTRA=("ours-window16k|tb_ours|$OURSBIG_ENV")

# pattern width radix
WORKLOADS=(
    "trivial 16 0"
    "no_comm 1 0"
    "no_comm 16 0"
    "stencil_1d 4 0"
    "stencil_1d 16 0"
    "nearest 16 5"
    "fft 16 0"
    "tree 16 0"
)

case $MODE in
full)
    MAIN_STEPS=1000 MAIN_REPS=5
    SWEEP_STEPS=500 SWEEP_REPS=5
    ITERS="65536,32768,16384,8192,4096,2048,1024,512,256,128,64,32,16,8,4,2,1"
    RSS_TASKS=10000000 RSS_SLOW_TASKS=1000000
    BUDGET=20
    ;;
quick)
    MAIN_STEPS=200 MAIN_REPS=3
    SWEEP_STEPS=50 SWEEP_REPS=3
    ITERS="65536,16384,4096,1024,256,64,16,4,1"
    RSS_TASKS=100000 RSS_SLOW_TASKS=100000
    BUDGET=5
    ;;
check)
    MAIN_STEPS=40 MAIN_REPS=1
    ;;
esac

run_one() { # entry kind pattern width radix steps reps iters [extra args]
    local entry=$1 kind=$2 pattern=$3 width=$4 radix=$5 steps=$6 reps=$7 iters=$8
    shift 8
    local name=${entry%%|*} rest=${entry#*|}
    local bin=${rest%%|*} envs=${rest#*|}
    local r=()
    [ "$radix" != 0 ] && r=(--radix "$radix")
    # shellcheck disable=SC2086
    env $envs timeout 900 "$BIN/$bin" --name "$name" --kind "$kind" --pattern "$pattern" \
        --width "$width" --steps "$steps" --reps "$reps" --iters "$iters" --cpus "$CPUS" \
        "${r[@]}" "$@" || echo "# $name $pattern width $width: exit $?" >&2
}

# ---- self-check ----------------------------------------------------------------
if [ "$MODE" = check ]; then
    fails=0 total=0
    for entry in "${RUNTIMES[@]}" "${MAIN_EXTRA[@]}"; do
        for w in "${WORKLOADS[@]}"; do
            set -- $w
            for it in 0 64; do
                row=$(run_one "$entry" check "$1" "$2" "$3" "$MAIN_STEPS" 1 "$it" 2>/dev/null | tail -1)
                total=$((total + 1))
                case "$row" in
                *,PASS,*) ;;
                *) fails=$((fails + 1)); echo "FAIL: ${entry%%|*} $w iters $it: $row" ;;
                esac
            done
        done
    done
    # A wrong execution order must be rejected by validation.
    total=$((total + 1))
    row=$(TB_SERIAL_BROKEN=1 "$BIN/tb_serial" --pattern stencil_1d --width 8 --steps 10 --reps 1 2>/dev/null | tail -1)
    case "$row" in
    *,FAIL,*) ;;
    *) fails=$((fails + 1)); echo "FAIL: a swapped step order was not detected: $row" ;;
    esac
    echo "taskbench self-check: $((total - fails)) passed, $fails failed"
    [ "$fails" = 0 ]
    exit
fi

# ---- measurements ------------------------------------------------------------------
mkdir -p "$OUT"
RAW="$OUT/raw.csv"
"$BIN/tb_serial" --header >"$RAW"
HDR="$OUT/.header.md"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s)
echo "# taskbench $MODE: load average at start $LOAD0" >&2

echo "# main table: empty kernel, $MAIN_STEPS timesteps, median of $MAIN_REPS" >&2
for w in "${WORKLOADS[@]}"; do
    set -- $w
    for entry in "${RUNTIMES[@]}" "${MAIN_EXTRA[@]}"; do
        run_one "$entry" empty "$1" "$2" "$3" "$MAIN_STEPS" "$MAIN_REPS" 0 --budget-s "$BUDGET" >>"$RAW"
    done
    echo "#   $1 width $2 done ($(($(date +%s) - START)) s)" >&2
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

echo "# METG sweep: compute-bound kernel, $SWEEP_STEPS timesteps, iterations $ITERS" >&2
for w in "${WORKLOADS[@]}"; do
    set -- $w
    [ "$1" = no_comm ] && [ "$2" = 1 ] && continue # a chain cannot reach 50% on 2 cores
    for entry in "${RUNTIMES[@]}"; do
        run_one "$entry" sweep "$1" "$2" "$3" "$SWEEP_STEPS" "$SWEEP_REPS" "$ITERS" --budget-s "$BUDGET" >>"$RAW"
    done
    echo "#   $1 width $2 done ($(($(date +%s) - START)) s)" >&2
done
LOAD2=$(cut -d' ' -f1-3 /proc/loadavg)

echo "# peak RSS: stencil_1d width 16, empty kernel, one process per row" >&2
rss() { # entry tasks
    run_one "$1" rss stencil_1d 16 0 $(($2 / 16)) 1 0 --rss >>"$RAW"
}
rss "ours|tb_ours|$OURS_ENV" "$RSS_TASKS"
rss "omp-libomp|tb_omp_llvm|" "$RSS_SLOW_TASKS"
rss "omp-libgomp|tb_omp_gomp|" "$RSS_SLOW_TASKS"
rss "starpu-lws-limit1024|tb_starpu|STARPU_SCHED=lws STARPU_LIMIT_MAX_SUBMITTED_TASKS=1024 STARPU_LIMIT_MIN_SUBMITTED_TASKS=512" "$RSS_SLOW_TASKS"
rss "starpu-lws-nolimit|tb_starpu|STARPU_SCHED=lws" "$RSS_SLOW_TASKS"
rss "ours|tb_ours|$OURS_ENV" "$RSS_SLOW_TASKS"
LOAD3=$(cut -d' ' -f1-3 /proc/loadavg)
END=$(date +%s)

{
    echo "# taskbench results ($MODE)"
    echo
    echo "Generated by \`bench/taskbench/run.sh$([ "$MODE" = quick ] && echo ' --quick')\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $((END - START)) s of measurements."
    echo
    echo "- libpto built from the working tree at commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown) (RelWithDebInfo)"
    echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "- load average (1/5/15 min): start $LOAD0; after main table $LOAD1; after sweep $LOAD2; after RSS $LOAD3"
    echo "- peers: libgomp $(dpkg-query -W -f '${Version}' libgomp1 2>/dev/null), libomp $(dpkg-query -W -f '${Version}' libomp5-14 2>/dev/null), oneTBB $(dpkg-query -W -f '${Version}' libtbb-dev 2>/dev/null), StarPU $(dpkg-query -W -f '${Version}' libstarpu-dev 2>/dev/null); all with $CPUS worker threads"
    echo "- ours: a2a3sim, PTO_MODE_STREAMED, dependencies inferred from tensors; \`ours\` = 2 blocks x 2 schedulers (4 AIV cores, 2 scheduler threads hosting the executors + the orchestrator thread), task window 1024, dep pool 4096, TensorMap 8192, scopes of >= 64 tasks; \`ours-24x3\` = 24 blocks x 3 schedulers, same pools; \`ours-window16k\` = 2x2 with the library's default pools (window 16384), main table only"
    echo "- main table: $MAIN_STEPS timesteps; METG sweep: $SWEEP_STEPS timesteps, iterations {$ITERS} (about 1.7 ns each here), median of $SWEEP_REPS runs per point (fewer when a point's runs exceed ${BUDGET} s: see the reps column of results.csv)"
    echo "- RSS: ours at $RSS_TASKS and at $RSS_SLOW_TASKS tasks; the peers at $RSS_SLOW_TASKS tasks (LLVM libomp grows ~1 KB per task, so 10^7 would need ~10 GB; libgomp and StarPU take 5-65 µs per task here under load)"
} >"$HDR"

"$BIN/tb_report" "$RAW" "$OUT" "$CPUS" "$HDR"
if command -v gnuplot >/dev/null; then
    gnuplot "$OUT/efficiency.gp"
fi
rm -f "$HDR"
echo "# wrote $OUT/table.md, $OUT/results.csv, $OUT/efficiency.png" >&2
cat "$OUT/table.md"
