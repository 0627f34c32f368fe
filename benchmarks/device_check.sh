#!/usr/bin/env bash
# The measurements issue #7's aims need on the AVX-512 Xeon lent to some sessions as the
# "device" machine (python3 there has NumPy, PyTorch and JAX, not TensorFlow), as one prepared
# run of about 8 minutes, so that a session with a machine spends its 15 minutes measuring:
#
#     device run (timeout_s 600):  bash benchmarks/device_check.sh
#
# Every log goes to $OUT (or ./device_logs): CPU topology and the BLAS build, sgemm on the
# slides' shapes, the MLP step (mlp_step.py), compare.py on the MLP and the CNN, the CNN's
# convolution layers (conv_kernels.py) and the numba kernels on and off, each at 1 and 2
# threads on two CPUs of different physical cores (two hyperthreads of one core share its FMA
# units: a 2-thread run there would measure nothing). MNIST is not there (shared/
# does not travel): compare.py then trains on random data of the same shape, which times the
# same arithmetic.
set -u
OUT=${OUT:-device_logs}
mkdir -p "$OUT"
PY=${PY:-python3}
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1

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
    for c in ${CPUS//,/ }; do
        echo "cpu$c siblings: $(cat /sys/devices/system/cpu/cpu$c/topology/thread_siblings_list 2>/dev/null)"
    done
    lscpu 2>/dev/null | grep -E "Model name|Thread|Core|Socket|Flags" | cut -c1-300
    $PY -c "import numpy; print('numpy', numpy.__version__)"
    $PY -c "import threadpoolctl, numpy, pprint; pprint.pprint(threadpoolctl.threadpool_info())" 2>&1
} > "$OUT/machine.log" 2>&1

for t in 1 2; do
    OPENBLAS_NUM_THREADS=$t timeout 90 $PIN $PY benchmarks/sgemm_shapes.py > "$OUT/sgemm_t$t.log" 2>&1
    OPENBLAS_NUM_THREADS=$t TENSEUR_NUM_THREADS=$t timeout 60 $PIN $PY benchmarks/mlp_step.py \
        >> "$OUT/mlp_step.log" 2>&1
done
timeout 330 $PIN $PY benchmarks/compare.py --workloads mlp,cnn --threads 1,2 \
    --contenders tenseur-graph,numpy,torch,jax > "$OUT/compare.log" 2>&1
# The convolution layers' GFLOP/s (README's table against the sgemm peak), PyTorch's beside.
timeout 70 $PIN $PY benchmarks/conv_kernels.py --threads 1,2 --rounds 1 --repeat 3 \
    > "$OUT/conv_kernels.log" 2>&1
for t in 1 2; do           # numba's kernels on and off (numba is in the device image)
    for switch in winograd numba; do
        timeout 60 $PIN $PY benchmarks/pass_ab.py $switch --threads $t --steps 8 \
            >> "$OUT/pass_ab.log" 2>&1
    done
done
tail -n 40 "$OUT"/*.log
