#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, when they are
# missing. As root it runs apt-get; otherwise it names what is missing.
set -euo pipefail

# python3-torch, python3-numpy and python3-sklearn: the Python binding's
# tests and the reference values they check against (Debian's torch 1.13,
# scikit-learn's MLP). python3-setuptools, -wheel, -pip and -venv: the
# package build and install test. clang-format-19: the formatting test.
# openmpi-bin and libopenmpi-dev: the data-parallel optimizer.
# wasi-libc, libclang-rt-19-dev-wasm32 and lld-19: the WebAssembly build;
# chromium: the browser test. librsvg2-dev: PNG output of `lrsc plot`;
# fonts-dejavu-core: the font its pictures (and the golden images) use.
pkgs=(cmake make gcc g++ pkg-config flex bison libcmocka-dev
      llvm-19-dev clang-19 libclang-rt-19-dev libomp-19-dev clang-format-19
      python3 python3-numpy python3-torch python3-sklearn
      python3-setuptools python3-wheel python3-pip python3-venv
      openmpi-bin libopenmpi-dev
      wasi-libc libclang-rt-19-dev-wasm32 lld-19 chromium
      librsvg2-dev fonts-dejavu-core)

# The playground's browser test drives chromium with playwright-core,
# pinned with its lock file in docs/playground/ (npm's registry).
npm_deps() {
    local dir
    dir="$(cd "$(dirname "$0")/.." && pwd)/docs/playground"
    [ -d "$dir/node_modules/playwright-core" ] && return 0
    if ! command -v npm >/dev/null; then
        echo "npm is missing: the playground's browser test needs Node.js 20 and npm" >&2
        return 1
    fi
    echo "installing the playground's npm packages (npm ci in docs/playground)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
        || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    npm_deps
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
npm_deps
