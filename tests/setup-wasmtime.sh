#!/usr/bin/env bash
# Installs the stock wasmtime CLI that host/tests/stock_host.rs runs the
# component on (`wasmtime serve`), unless that version is already there.
# Building it takes a while on a fresh machine (about a quarter of an hour on
# 2 cores); cargo keeps it in ~/.cargo/bin, so later runs skip this.
set -euo pipefail
want="48.0.8"
for bin in "${WASMTIME:-}" "$(command -v wasmtime || true)" "$HOME/.cargo/bin/wasmtime"; do
    if [ -n "$bin" ] && [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "wasmtime $want"; then
        echo "wasmtime $want is installed: $bin"
        exit 0
    fi
done
echo "installing wasmtime-cli $want (cargo install; a cold build takes a while)"
cargo install wasmtime-cli --version "$want" --locked
