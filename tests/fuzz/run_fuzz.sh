#!/bin/sh
# Builds the libFuzzer targets with clang (address and undefined behaviour
# sanitizers) into BUILD_DIR and runs them, one after the other, for
# SECONDS in all (default 90): the CSV reader gets two shares, the
# envelope decoder (bl_msg), the MessagePack payload reader (bl_mp), the
# payload decoders of the messages between stages (bl_*_codec), the node
# config loader and the catalogue loader one share each.  Seeds come
# from tests/fuzz/corpus/<target>/; new inputs the fuzzer finds go to
# BUILD_DIR/fuzz_<target>_corpus, never into the source tree, and a
# crashing input to BUILD_DIR/<target>-crash-*.  Without clang or its
# libFuzzer runtime it says so and succeeds: fuzzing is a bonus, not a
# build requirement.
#
# usage: tests/fuzz/run_fuzz.sh BUILD_DIR [SECONDS]
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 BUILD_DIR [SECONDS]" >&2
    exit 2
fi
build_dir=$1
seconds=${2:-90}
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
common=$src_dir/common

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

# build NAME SOURCE [extra flags and sources...]
build() {
    name=$1
    shift
    "$cc" -g -O1 -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined \
        -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$common" \
        "$@" "$common/bl_error.c" "$common/bl_vec.c" \
        -o "$build_dir/fuzz_$name"
}

build csv "$src_dir/tests/fuzz/fuzz_csv.c" "$common/bl_csv.c" \
    "$common/bl_number.c"
build msg "$src_dir/tests/fuzz/fuzz_msg.c" "$common/bl_msg.c" \
    "$common/bl_mp.c" $(pkg-config --cflags --libs msgpack)
build mp "$src_dir/tests/fuzz/fuzz_mp.c" "$common/bl_mp.c" \
    $(pkg-config --cflags --libs msgpack)
build payload "$src_dir/tests/fuzz/fuzz_payload.c" "$common/bl_mp.c" \
    "$common/bl_codec.c" \
    "$common/bl_close_codec.c" "$common/bl_learning_codec.c" \
    "$common/bl_raw_rows_codec.c" "$common/bl_records_codec.c" \
    "$common/bl_register_codec.c" "$common/bl_results_codec.c" \
    "$common/bl_submission_codec.c" "$common/bl_values_codec.c" \
    $(pkg-config --cflags --libs msgpack)
yaml_src="$src_dir/tests/fuzz/fuzz_yaml.c $common/bl_config.c
    $common/bl_catalogue.c $common/bl_yaml.c $common/bl_diag.c
    $common/bl_fs.c $(pkg-config --cflags --libs yaml-0.1)"
# shellcheck disable=SC2086
build config -DBL_FUZZ_CONFIG \
    -DBL_FUZZ_CATALOGUE_SRC="\"$src_dir/config/catalogue.yaml\"" $yaml_src
# shellcheck disable=SC2086
build catalogue -DBL_FUZZ_CATALOGUE \
    -DBL_FUZZ_CATALOGUE_SRC="\"$src_dir/config/catalogue.yaml\"" $yaml_src

share=$((seconds / 7))
[ "$share" -ge 1 ] || share=1
# run NAME SECONDS MAX_LEN
run() {
    corpus="$build_dir/fuzz_$1_corpus"
    mkdir -p "$corpus"
    cp "$src_dir/tests/fuzz/corpus/$1"/* "$corpus"/
    echo "== fuzz_$1 for $2 s"
    "$build_dir/fuzz_$1" -max_total_time="$2" -max_len="$3" \
        -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$build_dir/$1-" "$corpus" 2>"$build_dir/fuzz_$1.log" ||
        { tail -40 "$build_dir/fuzz_$1.log" >&2; return 1; }
    tail -1 "$build_dir/fuzz_$1.log"
}

# -max_len lets CSV inputs pass the 64 KiB field bound now and then.
run csv $((share * 2)) 200000
run msg "$share" 4096
run mp "$share" 4096
run payload "$share" 4096
run config "$share" 8192
run catalogue "$share" 32768
