"""PyTorch peers of EraseBench.uce at the same SD v1.4 shapes (32 K/V matrices: 10 x [320, 768],
10 x [640, 768], 12 x [1280, 768]; one concept = 75 aligned erase rows and their guide rows; the
retained "" prompt's 77 rows), fp32 weights, CPU, torch.set_num_threads(THREADS).

  published  the structure of UCE's reference implementation (Gandikota et al. 2024, unified-concept-
             editing, train-scripts/train_erase.py edit_model): for every layer, in fp32, build
             mat1 = lambda W + s_e sum_i (W g_i) c_i^T + s_p sum_j (W p_j) p_j^T and
             mat2 = lambda I + s_e sum_i c_i c_i^T + s_p sum_j p_j p_j^T, then W' = mat1 @ torch.inverse(mat2)
             (here with the sums as matrix products, which is kinder to it than the reference's
             per-row outer products)
  shared     erasekit's design in plain PyTorch: B and A0 = B + s_e (G - C)^T C once, M = A0 B^-1
             (float64 solve), W' = W @ M for all 32 layers stacked (one GEMM, the dense fold)

Usage: /usr/bin/python3 bench/peers/uce_torch.py [--concepts N] [--runs 5] [--threads 2] [--family sd15|sd21|sdxl]
--family takes EraseBench's other shapes (SyntheticProblems.Shapes): sd21 the same 32 matrices at d = 1024, sdxl
140 matrices (20 x 640, 120 x 1280 rows) at d = 2048.
Prints one JSON object: the median and all runs of each, in seconds. Synthetic Gaussian inputs
(the timing does not depend on the values).
"""
import argparse
import json
import statistics
import time

import torch

FAMILIES = {"sd15": ([320] * 10 + [640] * 10 + [1280] * 12, 768), "sd21": ([320] * 10 + [640] * 10 + [1280] * 12, 1024),
            "sdxl": ([640] * 20 + [1280] * 120, 2048)}
OUT_ROWS, D = FAMILIES["sd15"]
LAMBDA, ERASE_SCALE, PRESERVE_SCALE = 0.5, 1.0, 1.0


def published(layers, c, g, p):
    out = []
    for w in layers:
        v = g @ w.T  # the targets W g_i, one row each
        mat1 = LAMBDA * w + ERASE_SCALE * (v.T @ c) + PRESERVE_SCALE * ((p @ w.T).T @ p)
        mat2 = LAMBDA * torch.eye(D) + ERASE_SCALE * (c.T @ c) + PRESERVE_SCALE * (p.T @ p)
        out.append(mat1 @ torch.inverse(mat2))
    return out


def shared(stacked, c, g, p):
    c64, g64, p64 = c.double(), g.double(), p.double()
    b = LAMBDA * torch.eye(D, dtype=torch.float64) + ERASE_SCALE * (c64.T @ c64) + PRESERVE_SCALE * (p64.T @ p64)
    a0 = b + ERASE_SCALE * ((g64 - c64).T @ c64)
    m = torch.linalg.solve(b, a0.T).T  # M = A0 B^-1 (B symmetric)
    return stacked @ m.float()


def timed(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "runs_s": times}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--concepts", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--family", choices=sorted(FAMILIES), default="sd15")
    a = ap.parse_args()
    global OUT_ROWS, D
    OUT_ROWS, D = FAMILIES[a.family]
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    layers = [torch.randn(o, D) * 0.03 for o in OUT_ROWS]
    stacked = torch.cat(layers)
    c = torch.randn(75 * a.concepts, D)
    g = torch.randn(75 * a.concepts, D)
    p = torch.randn(77, D)
    with torch.no_grad():
        res = {
            "torch": torch.__version__, "threads": a.threads, "concepts": a.concepts, "family": a.family,
            "published": timed(lambda: published(layers, c, g, p), a.runs),
            "shared": timed(lambda: shared(stacked, c, g, p), a.runs),
        }
    print(json.dumps(res))


if __name__ == "__main__":
    main()
