#!/usr/bin/env python3
"""Draws the emission curve as a running node's runtime computes it.

Reads `PocRewardsApi_projection` (every era's emission and the cumulative
total, from the era in progress on, at the chain's parameters) and
`PocRewardsApi_emission` over JSON-RPC (`state_call`), and plots emission per
era and cumulative emission over the first eight years against the closed
form E(t) = E0 * e^(-lambda t), printing the largest relative difference.

Usage: plot_emission.py <http-rpc-url> <out.png>   (scripts/plot_emission.sh)
"""
import json
import math
import struct
import sys
import urllib.request

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ERAS_PER_YEAR = 8766  # hourly eras
YEARS = 8
DAI = 10**12


def state_call(url, method, args=b""):
    body = json.dumps({"id": 1, "jsonrpc": "2.0", "method": "state_call",
                       "params": [method, "0x" + args.hex()]}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        reply = json.load(response)
    if "error" in reply:
        raise SystemExit(f"{method}: {reply['error']}")
    return bytes.fromhex(reply["result"][2:])


def compact(data):
    """A SCALE compact integer: (value, bytes read)."""
    mode = data[0] & 3
    if mode == 0:
        return data[0] >> 2, 1
    if mode == 1:
        return int.from_bytes(data[:2], "little") >> 2, 2
    if mode == 2:
        return int.from_bytes(data[:4], "little") >> 2, 4
    length = (data[0] >> 2) + 4
    return int.from_bytes(data[1:1 + length], "little"), 1 + length


def u128(data, at):
    return int.from_bytes(data[at:at + 16], "little")


def main(url, out):
    view = state_call(url, "PocRewardsApi_emission")
    era, current, following = struct.unpack_from("<I", view)[0], u128(view, 4), u128(view, 20)
    eras = YEARS * ERAS_PER_YEAR
    raw = state_call(url, "PocRewardsApi_projection", struct.pack("<II", eras, 24))
    count, at = compact(raw)
    points = []
    for _ in range(count):
        points.append((struct.unpack_from("<I", raw, at)[0], u128(raw, at + 4), u128(raw, at + 20)))
        at += 36
    emitted_before = points[0][2] - points[0][1]

    # The closed form from the chain's own E(era) and decay factor.
    lam = math.log(current / following)
    closed = lambda t: current * math.exp(-lam * (t - era))  # noqa: E731
    closed_total = lambda t: emitted_before + current * (1 - math.exp(-lam * (t - era + 1))) / (1 - math.exp(-lam))  # noqa: E731
    worst_era = max(abs(e - closed(t)) / closed(t) for t, e, _ in points)
    worst_total = max(abs(s - closed_total(t)) / closed_total(t) for t, _, s in points)
    print(f"{count} points, eras {points[0][0]}..{points[-1][0]}; E(era {era}) = {current / DAI:.6f} DAi, "
          f"lambda = {lam:.6e} per era")
    print(f"largest relative difference from the closed form: per era {worst_era:.2e}, cumulative {worst_total:.2e}")
    for year in (1, 4, 8):
        t, e, s = min(points, key=lambda p: abs(p[0] - year * ERAS_PER_YEAR))
        print(f"after {year} year(s) (era {t}): {e / DAI:.3f} DAi per era, {s / DAI / 1e6:.3f} million DAi emitted")

    years = [t / ERAS_PER_YEAR for t, _, _ in points]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    top.plot(years, [closed(t) / DAI for t, _, _ in points], color="0.6", lw=4, label="closed form E0·e^(−λt)")
    top.plot(years, [e / DAI for _, e, _ in points], color="C0", lw=1.2, label="runtime (PocRewardsApi.projection)")
    top.set_ylabel("emission per hourly era (DAi)")
    top.set_title("DAiFi emission, read from a running dev node")
    top.legend()
    bottom.plot(years, [closed_total(t) / DAI / 1e6 for t, _, _ in points], color="0.6", lw=4, label="closed form")
    bottom.plot(years, [s / DAI / 1e6 for _, _, s in points], color="C1", lw=1.2, label="runtime")
    bottom.set_ylabel("cumulative emission (million DAi)")
    bottom.set_xlabel("years from genesis (8,766 hourly eras a year)")
    bottom.legend()
    for axis in (top, bottom):
        axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"written {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
