#!/usr/bin/env python3
"""Proves the reference models with ezkl (the yardstick) on this machine and
prints its times, so scripts/bench_zk.sh can put them beside daifi-zk's.

Fair settings: weights are circuit constants (param_visibility "fixed", as in
daifi-zk), input and output public. The SRS is made locally (gen_srs), since
the machine has no network. Prints one JSON line per model.
"""
import asyncio
import inspect
import json
import sys
import tempfile
import time
from pathlib import Path

import ezkl

MODELS = Path(__file__).resolve().parent.parent / "zk-circuits" / "models"


def call(fn, *args, **kwargs):
    result = fn(*args, **kwargs)
    return asyncio.run(result) if inspect.isawaitable(result) else result


def bench(name, image, repeats):
    work = Path(tempfile.mkdtemp(prefix=f"ezkl-{name}-"))
    model = MODELS / f"{name}.onnx"
    data, settings, compiled = work / "input.json", work / "settings.json", work / "model.compiled"
    srs, vk, pk, wit, proof = (work / f for f in ("kzg.srs", "vk.key", "pk.key", "witness.json", "proof.json"))
    shape_flat = [image]
    data.write_text(json.dumps({"input_data": shape_flat}))

    args = ezkl.PyRunArgs()
    args.input_visibility = "public"
    args.output_visibility = "public"
    args.param_visibility = "fixed"
    call(ezkl.gen_settings, str(model), str(settings), py_run_args=args)
    call(ezkl.calibrate_settings, str(data), str(model), str(settings), "resources")
    call(ezkl.compile_circuit, str(model), str(compiled), str(settings))
    logrows = json.loads(settings.read_text())["run_args"]["logrows"]
    call(ezkl.gen_srs, str(srs), logrows)
    call(ezkl.gen_witness, str(data), str(compiled), str(wit))
    start = time.perf_counter()
    call(ezkl.setup, str(compiled), str(vk), str(pk), str(srs))
    setup_s = time.perf_counter() - start
    prove_times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call(ezkl.prove, str(wit), str(compiled), str(pk), str(proof), str(srs))
        prove_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    ok = call(ezkl.verify, str(proof), str(settings), str(vk), str(srs))
    verify_s = time.perf_counter() - start
    assert ok, f"ezkl proof for {name} did not verify"
    print(json.dumps({
        "model": name, "logrows": logrows, "setup_s": setup_s, "prove_s": min(prove_times),
        "verify_s": verify_s, "proof_bytes": len(json.loads(proof.read_text()).get("proof", [])) ,
    }), flush=True)


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    test = json.loads((MODELS / "digits_test.json").read_text())
    image = test["inputs"][0]
    for name in ("mlp_64_32_10", "mlp_64_128_10", "cnn_digits"):
        bench(name, image, repeats)


if __name__ == "__main__":
    main()
