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
# lrsc(1) refers to the installed docs, never to a source tree.
for page in language.md stdlib.md schedules.md optimizer.md; do
  test -f "$tmp/prefix/share/doc/lrs/$page"
done
test -f "$tmp/prefix/share/doc/lrs/schedules/hf.svg"
if grep -n 'docs/\|source tree' "$tmp/prefix/share/man/man1/lrsc.1"; then
  echo "lrsc(1) points into the source tree"; exit 1
fi
libdir=$(dirname "$(find "$tmp/prefix" -name 'liblrs.so' | head -1)")
test -f "$libdir/liblrs-runtime.so"

# The installed lrsc starts from a prefix outside the system's library
# path, with no LD_LIBRARY_PATH (a relative run path finds liblrs), and
# compiles and evaluates with its JIT.
env -u LD_LIBRARY_PATH "$tmp/prefix/bin/lrsc" --version
printf 'param total = 100\nschedule lr = linear(0 -> 1) for 10 then cosine(1 -> 0)\n' > "$tmp/s.lrs"
got=$(env -u LD_LIBRARY_PATH "$tmp/prefix/bin/lrsc" eval "$tmp/s.lrs" --at 5 | tail -1)
[ "$got" = "5,0.5" ] || { echo "installed lrsc eval printed '$got', want '5,0.5'"; exit 1; }
export LD_LIBRARY_PATH="$libdir"
want="0.500 0.500 0.900"

# pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
${CC:-cc} -o "$tmp/c1" "$src/consumer.c" $(pkg-config --cflags --libs lrs)
got=$("$tmp/c1")
[ "$got" = "$want" ] || { echo "pkg-config consumer printed '$got', want '$want'"; exit 1; }

# find_package(lrs)
mkdir "$tmp/proj"
cp "$src/consumer.c" "$src/aot_consumer.c" "$src/sched.lrs" "$tmp/proj/"
cp "$src/CMakeLists.consumer.txt" "$tmp/proj/CMakeLists.txt"
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/cfg.log"
cmake --build "$tmp/proj/build" > "$tmp/build.log"
got=$("$tmp/proj/build/consumer")
[ "$got" = "$want" ] || { echo "find_package consumer printed '$got', want '$want'"; exit 1; }
# lrs_compile_schedules: 0.5 at step 5 of the ramp, 0.6 at step 6.
got=$("$tmp/proj/build/aot_consumer")
[ "$got" = "0.500 0.500 0.600" ] || { echo "aot consumer printed '$got'"; exit 1; }

# the installed lrsc runs, and its man page is well formed
"$tmp/prefix/bin/lrsc" --version
echo "install test passed"
