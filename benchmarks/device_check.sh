#!/usr/bin/env bash
# The measurements issue #7's aims need on the AVX-512 Xeon lent to some sessions as the
# "device" machine (python3 there has NumPy, PyTorch and JAX, not TensorFlow), as one prepared
# run of about 8 minutes, so that a session with a machine spends its 15 minutes measuring
# (the first run, at a9df53f, took 3.6 minutes of the 10 a command may run, plus ~30 s to start):
#
#     device run (timeout_s 590):  bash benchmarks/device_check.sh
#
# Every log goes to $OUT (or ./device_logs), the most wanted first, so that a run cut short
# still brings them back: CPU topology and the BLAS build; compare.py on the CNN (tenseur,
# PyTorch eager and torch.compile; JAX's CPU CNN is 2-6x slower than all of them) and the MLP
# (with the step written in NumPy and JAX), --json keeping every step's time; the CNN's
# convolution layers against PyTorch's (conv_kernels.py); Winograd F(4x4, 3x3) on and off
# (pass_ab.py winograd4) and the three ways of the 32->32 layer (winograd_transforms.py
# --variants); the MLP step and the zero-column and product-update passes on it; Winograd's
# block size; ResNet50's forward pass; sgemm on the
# slides' shapes. Each at 1 and 2 threads on two CPUs of different physical cores (two
# hyperthreads of one core share its FMA units: a 2-thread run there would measure nothing).
# MNIST is not there (shared/ does not travel): copy it into the ignored folder device_data/
# first and carry that folder (`make device-data`, then the device tool's run with
# carry ["device_data"]: 11 MB). Without it compare.py trains on random data of the same
# shape, which times the same arithmetic but for the MLP's zero-column pass: uniform noise has
# no zero columns, MNIST's borders a third of them. The machine's GPU is hidden from the
# rivals (compare.py: JAX_PLATFORMS=cpu, CUDA_VISIBLE_DEVICES='').
set -u
OUT=${OUT:-device_logs}
mkdir -p "$OUT"
PY=${PY:-python3}
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
if [ -d device_data/mnist ]; then
    export TENSEUR_DATA_DIR=$PWD/device_data
fi

# Two CPUs on different physical cores (the first CPU of the first two cores).
CPUS=$($PY - <<'EOF'
import glob, os
seen, pick = set(), []
for path in sorted(glob.glob("/sys/devices/system/cpu/cpu[0-9]*"),
                   key=lambda p: int(p.rsplit("cpu", 1)[1])):
    cpu = int(path.rsplit("cpu", 1)[1])
    if cpu not in os.sched_getaffinity(0):
        continue
    try:
        core = (open(f"{path}/topology/physical_package_id").read().strip(),
                open(f"{path}/topology/core_id").read().strip())
    except OSError:
        core = ("?", str(cpu))
    if core not in seen:
        seen.add(core)
        pick.append(str(cpu))
print(",".join(pick[:2]) or "0,1")
EOF
)
PIN="taskset -c $CPUS"

{
    date -u; uname -a; nproc
    echo "pinned CPUs: $CPUS"
    echo "MNIST: ${TENSEUR_DATA_DIR:-not carried (random data)}"
    for c in ${CPUS//,/ }; do
        echo "cpu$c siblings: $(cat /sys/devices/system/cpu/cpu$c/topology/thread_siblings_list 2>/dev/null)"
    done
    lscpu 2>/dev/null | grep -E "Model name|Thread|Core|Socket|Flags" | cut -c1-300
    $PY -c "import numpy; print('numpy', numpy.__version__)"
    $PY -c "import threadpoolctl, numpy, pprint; pprint.pprint(threadpoolctl.threadpool_info())" 2>&1
} > "$OUT/machine.log" 2>&1

export CUDA_VISIBLE_DEVICES= JAX_PLATFORMS=cpu
timeout 260 $PIN $PY benchmarks/compare.py --workloads cnn --threads 2,1 --rounds 7 \
    --contenders tenseur-graph,torch,torch-compile --json "$OUT/compare_cnn.json" \
    > "$OUT/compare.log" 2>&1
timeout 100 $PIN $PY benchmarks/compare.py --workloads mlp --threads 1,2 \
    --contenders tenseur-graph,numpy,torch,jax --json "$OUT/compare_mlp.json" \
    >> "$OUT/compare.log" 2>&1
# The convolution layers' GFLOP/s (README's table against the sgemm peak), PyTorch's beside.
timeout 80 $PIN $PY benchmarks/conv_kernels.py --threads 1,2 --rounds 1 --repeat 3 \
    > "$OUT/conv_kernels.log" 2>&1
for t in 2 1; do
    timeout 45 $PIN $PY benchmarks/pass_ab.py winograd4 --threads $t --steps 8 \
        >> "$OUT/winograd.log" 2>&1
done
OPENBLAS_NUM_THREADS=2 timeout 40 $PIN $PY benchmarks/winograd_transforms.py --variants \
    --threads 2 --rounds 5 >> "$OUT/winograd.log" 2>&1
for t in 1 2; do
    OPENBLAS_NUM_THREADS=$t TENSEUR_NUM_THREADS=$t timeout 30 $PIN $PY benchmarks/mlp_step.py \
        >> "$OUT/other.log" 2>&1
    # The zero-column pass (on random data, without device_data/, it times the check alone).
    timeout 30 $PIN $PY benchmarks/pass_ab.py zero_columns --workload mlp --threads $t \
        --processes --rounds 10 --steps 150 >> "$OUT/other.log" 2>&1
    # SGD's update of W1 as one gemm into the variable (304 -> 288 us at 2 threads, EPYC)
    timeout 30 $PIN $PY benchmarks/pass_ab.py product_updates --workload mlp --threads $t \
        --processes --rounds 10 --steps 150 >> "$OUT/other.log" 2>&1
done
# At 2 threads the pass copies only where told to (it did not pay on the EPYC VM): does it
# pay on this CPU? (echo: pass_ab.py prints nothing of the environment)
echo "TENSEUR_ZERO_COLUMNS_WITH_BLAS_THREADS=1:" >> "$OUT/other.log"
TENSEUR_ZERO_COLUMNS_WITH_BLAS_THREADS=1 timeout 30 $PIN $PY benchmarks/pass_ab.py \
    zero_columns --workload mlp --threads 2 --processes --rounds 10 --steps 150 \
    >> "$OUT/other.log" 2>&1
timeout 60 $PIN $PY benchmarks/conv_blocks.py --winograd 1 2 4 >> "$OUT/winograd.log" 2>&1
timeout 60 $PIN $PY benchmarks/compare.py --workloads resnet50 --threads 2 \
    --contenders tenseur-graph,torch >> "$OUT/other.log" 2>&1
for t in 1 2; do
    OPENBLAS_NUM_THREADS=$t timeout 40 $PIN $PY benchmarks/sgemm_shapes.py >> "$OUT/other.log" 2>&1
done
# At most 8 files come back from the device: machine, compare (log and two JSON files),
# conv_kernels, winograd and other.
tail -n 40 "$OUT"/*.log
