#!/usr/bin/env bash
# Builds wasm/pkg/ from the Rust crate with Debian's toolchain (rustc 1.63 + its wasm32 std).
#
#   bash wasm/build.sh          build pkg/*.wasm unless they are newer than every source file
#   bash wasm/build.sh --test   run the crate's own tests natively (cargo test)
#   CI=true bash wasm/build.sh  always rebuild and fail if the result differs from the committed
#                               .wasm (the committed files must be exactly what the sources give)
#
# rustup's toolchain may come first on PATH and lacks the wasm32 target, so cargo and rustc are
# called by their Debian paths. The build is reproducible: no crates, paths remapped, no wasm-opt
# (its output depends on the binaryen version, which differs between Debian releases).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
CARGO="${BITDUST_CARGO:-/usr/bin/cargo}"
RUSTC_BIN="${BITDUST_RUSTC:-/usr/bin/rustc}"
TARGET=wasm32-unknown-unknown
NAME=bitdust_erasure
PKG="$here/pkg"
BASE="$PKG/${NAME}_bg.wasm"
RELAXED="$PKG/${NAME}_relaxed_bg.wasm"

die() {
  echo "wasm/build.sh: $*" >&2
  exit 1
}

[ -x "$CARGO" ] || die "$CARGO not found: apt-get install cargo rustc libstd-rust-dev-wasm32 lld"
[ -x "$RUSTC_BIN" ] || die "$RUSTC_BIN not found: apt-get install rustc"

if [ "${1:-}" = "--test" ]; then
  # Native unit tests: the SIMD kernel runs on its portable vector emulation against the naive
  # engine, plus golden vectors and random erasure round trips.
  RUSTC="$RUSTC_BIN" RUSTFLAGS="" "$CARGO" test --lib --quiet --target-dir "$here/target"
  exit 0
fi

sources=(Cargo.toml build.sh $(find src -name '*.rs' | sort))

up_to_date() {
  [ -f "$BASE" ] || return 1
  for f in "${sources[@]}"; do [ "$f" -nt "$BASE" ] && return 1; done
  return 0
}

if [ "${CI:-}" != "true" ] && up_to_date; then
  exit 0
fi

# ---- compile ------------------------------------------------------------------------------------
# Release profile (Cargo.toml): opt-level 3, fat LTO, one codegen unit, panic=abort, stripped.
RUSTC="$RUSTC_BIN" \
  RUSTFLAGS="-C target-feature=+simd128 --remap-path-prefix=$here=. -C link-arg=--no-entry" \
  "$CARGO" build --release --quiet --target "$TARGET" --target-dir "$here/target"
fresh="$here/target/$TARGET/release/$NAME.wasm"

# ---- relaxed-SIMD twin ----------------------------------------------------------------------------
# rustc 1.63 cannot emit relaxed SIMD (its intrinsics are unstable and LLVM 14 used pre-standard
# opcodes), so the twin is the same module with every i8x16.swizzle turned into
# i8x16.relaxed_swizzle. That is exact here: the kernel only swizzles with nibble indices (< 16),
# where both instructions agree. Needs wabt (wasm2wat/wat2wasm); skipped without it.
fresh_relaxed=""
if command -v wasm2wat >/dev/null && command -v wat2wasm >/dev/null; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  wasm2wat --enable-all "$fresh" -o "$tmp/m.wat"
  sed 's/i8x16\.swizzle/i8x16.relaxed_swizzle/g' "$tmp/m.wat" >"$tmp/r.wat"
  wat2wasm --enable-all "$tmp/r.wat" -o "$tmp/relaxed.wasm"
  fresh_relaxed="$tmp/relaxed.wasm"
fi

# ---- CI: committed files must be the fresh build -------------------------------------------------
if [ "${CI:-}" = "true" ]; then
  if [ -f "$BASE" ] && ! cmp -s "$fresh" "$BASE"; then
    die "FRESH BUILD DIFFERS from committed pkg/${NAME}_bg.wasm: rebuild with 'bash wasm/build.sh' and commit it"
  fi
  if [ -n "$fresh_relaxed" ] && [ -f "$RELAXED" ] && ! cmp -s "$fresh_relaxed" "$RELAXED"; then
    die "FRESH BUILD DIFFERS from committed pkg/${NAME}_relaxed_bg.wasm (wabt version?): rebuild and commit"
  fi
fi

mkdir -p "$PKG"
cp "$fresh" "$BASE"
[ -n "$fresh_relaxed" ] && cp "$fresh_relaxed" "$RELAXED"
touch "$BASE"
echo "wasm/build.sh: wrote pkg/${NAME}_bg.wasm ($(wc -c <"$BASE") bytes)${fresh_relaxed:+ and the relaxed-SIMD twin}"
