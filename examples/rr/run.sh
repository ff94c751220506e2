#!/usr/bin/env bash
# The record/replay showcase: record a session once, replay it twice from C
# and once with the CLI (same output, host not called), then show the errors
# for a different module build and for a tampered trace.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
lib=target/release
out=target/rr-demo
mkdir -p "$out"
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror examples/rr/rr_demo.c -I"$lib/include" \
  -L"$lib" -lwasmtime_rr -Wl,-rpath,"$PWD/$lib" -o "$out/rr_demo"
demo="$out/rr_demo"
guest=examples/rr/guest.wat

echo "== record (live clock and randomness)"
"$demo" record "$guest" "$out/session.wrr" | tee "$out/recorded.txt"
for round in 1 2; do
  echo "== replay #$round (C host, no host calls)"
  "$demo" replay "$guest" "$out/session.wrr" | tee "$out/replayed-$round.txt"
  diff <(head -2 "$out/recorded.txt") <(head -2 "$out/replayed-$round.txt")
done

echo "== replay with the CLI, without the host"
"$demo" wasm "$guest" "$out/guest.wasm"
target/release/wasmtime-rr replay "$out/guest.wasm" "$out/session.wrr"
echo "== inspect (last lines)"
target/release/wasmtime-rr inspect "$out/session.wrr" | tail -n 12

echo "== replay with another build of the guest (expected to fail)"
sed 's/report v1: time=/report v2: time=/' "$guest" > "$out/guest_v2.wat"
if "$demo" replay "$out/guest_v2.wat" "$out/session.wrr"; then
  echo "unexpected: a different module replayed" >&2
  exit 1
fi

echo "== replay of a tampered trace (expected to diverge)"
hex=$(head -1 "$out/recorded.txt" | sed 's/.*random=//')
"$demo" tamper "$out/session.wrr" "$hex" "$out/tampered.wrr"
if "$demo" replay "$guest" "$out/tampered.wrr"; then
  echo "unexpected: a tampered trace replayed" >&2
  exit 1
fi
if target/release/wasmtime-rr replay "$out/guest.wasm" "$out/tampered.wrr"; then
  echo "unexpected: the CLI replayed a tampered trace" >&2
  exit 1
fi
echo "== showcase complete"
