#!/bin/sh
# Builds the bl_csv libFuzzer target with clang (address and undefined
# behaviour sanitizers) into BUILD_DIR and runs it for SECONDS (default 30)
# from the seed files in tests/fuzz/corpus/.  New inputs the fuzzer finds
# go to BUILD_DIR/fuzz_csv_corpus, never into the source tree.  Without
# clang or its libFuzzer runtime it says so and succeeds: fuzzing is a
# bonus, not a build requirement.
#
# usage: tests/fuzz/run_fuzz.sh BUILD_DIR [SECONDS]
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 BUILD_DIR [SECONDS]" >&2
    exit 2
fi
build_dir=$1
seconds=${2:-30}
case $seconds in
    ''|*[!0-9]*) echo "$0: SECONDS must be a whole number: $seconds" >&2
                 exit 2 ;;
esac

cc=${CLANG:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "clang not found: fuzzing skipped"
    exit 0
fi
src_dir=$(cd "$(dirname "$0")/../.." && pwd)

mkdir -p "$build_dir"
probe="$build_dir/fuzz_probe.c"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
    '{ (void)d; (void)n; return 0; }' >"$probe"
if ! "$cc" -fsanitize=fuzzer "$probe" -o "$build_dir/fuzz_probe" \
        >/dev/null 2>&1; then
    rm -f "$probe"
    echo "clang has no libFuzzer runtime: fuzzing skipped"
    exit 0
fi
rm -f "$probe" "$build_dir/fuzz_probe"

"$cc" -g -O1 -fsanitize=fuzzer,address,undefined \
    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$src_dir/common" \
    "$src_dir/common/bl_csv.c" "$src_dir/common/bl_number.c" \
    "$src_dir/common/bl_vec.c" "$src_dir/common/bl_error.c" \
    "$src_dir/tests/fuzz/fuzz_csv.c" -o "$build_dir/fuzz_csv"

corpus="$build_dir/fuzz_csv_corpus"
mkdir -p "$corpus"
cp "$src_dir"/tests/fuzz/corpus/* "$corpus"/

# -max_len lets inputs pass the 64 KiB field bound now and then.
exec "$build_dir/fuzz_csv" -max_total_time="$seconds" -max_len=200000 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build_dir/" \
    "$corpus"
