#!/usr/bin/env bash
# ParallelKit against Rayon, side by side on one machine: builds the Rayon peer offline
# against Debian's librust-rayon-dev, runs it and `parallelkit bench --json` on the same
# workloads, and prints each one's speedup over its own serial loop and their ratio.
#
# Usage: Benchmarks/compare-rayon.sh [--repetitions N] [--quick] [--json]
#   --json   print both sides' rows as JSON lines (the keys of `parallelkit bench --json`), no table
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
peer="$here/peers/rayon"
args=() json=0
for arg in "$@"; do
    if [ "$arg" = --json ]; then json=1; else args+=("$arg"); fi
done

if [ ! -d /usr/share/cargo/registry/rayon-1.6.1 ] && ! ls -d /usr/share/cargo/registry/rayon-* >/dev/null 2>&1; then
    echo "installing Debian's Rayon crate (librust-rayon-dev)..." >&2
    apt-get update -qq && apt-get install -y -qq librust-rayon-dev >/dev/null
fi
mkdir -p "$peer/.cargo"
cat > "$peer/.cargo/config.toml" <<'TOML'
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "/usr/share/cargo/registry"

[net]
offline = true
TOML

echo "building the Rayon peer and parallelkit (release)..." >&2
(cd "$peer" && cargo build --release --quiet)
# PARALLELKIT: a parallelkit binary to use instead of building the release one (Benchmarks/compare sets it).
pk=${PARALLELKIT:-$root/.build/release/parallelkit}
[ -n "${PARALLELKIT:-}" ] || (cd "$root" && swift build -c release --product parallelkit >/dev/null)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
workloads=(cheap-map costly-map imbalanced)
"$peer/target/release/rayon-peer" ${args[@]+"${args[@]}"} > "$out/rayon.jsonl"
"$pk" bench --json ${args[@]+"${args[@]}"} \
    $(printf -- '--workload %s ' "${workloads[@]}") > "$out/parallelkit.jsonl"
if [ $json = 1 ]; then
    cat "$out/rayon.jsonl" "$out/parallelkit.jsonl"
    exit 0
fi

python3 - "$out/rayon.jsonl" "$out/parallelkit.jsonl" <<'PY'
import json, sys
def rows(path):
    return [json.loads(line) for line in open(path) if line.strip()]
rayon = {r["workload"]: r for r in rows(sys.argv[1]) if r["variant"] == "rayon"}
pk = {r["workload"]: r for r in rows(sys.argv[2]) if r["variant"] == "parallelMap"}
print(f'{"workload":<12} {"workers":>7} {"rayon":>8} {"parallelMap":>12} {"ratio":>7}')
for name in ["cheap-map", "costly-map", "imbalanced"]:
    r, p = rayon[name], pk[name]
    print(f'{name:<12} {p["workers"]:>7} {r["speedup"]:>7.2f}x {p["speedup"]:>11.2f}x {p["speedup"] / r["speedup"]:>6.2f}x')
print("speedup = serial time / parallel time, each against its own language's serial loop;")
print("ratio = ParallelKit's speedup over Rayon's (above 1: ParallelKit scales better).")
PY
