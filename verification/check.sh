#!/usr/bin/env bash
# Model-checks the recovery protocol of verification/recovery.pml with spin.
#
# Every property must hold on the protocol, exhaustively (no truncated
# search, no memory bound reached); every witness and every mutant must be
# refuted, which shows that the checks can fail. Prints one line per check
# and exits 1 if any check did not come out as expected, 2 if spin or gcc
# is missing. Work happens in a temporary directory.
#
#   verification/check.sh        the table
#   verification/check.sh -v     the table, then each counterexample
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
model=$here/recovery.pml
verbose=false
if [[ ${1:-} == -v ]]; then verbose=true; fi

for tool in spin gcc; do
    if ! command -v "$tool" >/dev/null; then
        echo "check.sh: $tool is not installed (apt-get install spin gcc)" >&2
        exit 2
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/hahealer-spin.XXXXXX")
trap 'rm -rf "$work"' EXIT
jobs=${SPIN_JOBS:-$(nproc 2>/dev/null || echo 1)}
depth=100000        # far beyond the deepest path (about 450 steps)
memlim=1500         # MB per search; reaching it fails the check

# expected  configuration (macros, comma-separated; - for none)  property
#   holds:   the property holds, exhaustively
#   witness: a "never" claim that must be refuted: the model does get there
#   refuted: a mutant; spin must find a counterexample to the property
# end-states: assertions (Nova's accept step, the intake) and deadlocks.
checks=(
    "holds   -                                     end-states"
    "holds   -                                     safe"
    "holds   -                                     live"
    "holds   -                                     clean"
    "holds   MAXATT=2                              end-states"
    "holds   MAXATT=2                              safe"
    "holds   MAXATT=2                              live"
    "holds   MAXATT=2                              clean"
    "holds   ONE_ENGINE                            safe"
    "witness -                                     reach_finished"
    "witness -                                     reach_error"
    "witness -                                     reach_retry"
    "witness -                                     reach_two_takeovers"
    "witness MAXATT=2                              reach_failed"
    "witness GHOSTS                                reach_late_landing"
    "refuted MUTANT_NO_GENERATION_CHECK,ONE_ENGINE safe"
    "refuted MUTANT_NO_GENERATION_CHECK            clean"
    "refuted MUTANT_NO_READ_BEFORE_EVACUATE        safe"
    "refuted MUTANT_RESET_REBUILDING               safe"
    "refuted MUTANT_UNLOCK_ANY                     clean"
    "refuted MUTANT_NO_SWEEP                       live"
    "refuted DESCRIBED_NO_SETTLE                   safe"
    "refuted DESCRIBED_NO_SETTLE,MAXF=0,MAXLOSS=2  safe"
    "refuted DESCRIBED_NO_SETTLE                   clean"
    "refuted DESCRIBED_FAILED,MAXATT=2             clean"
)

defines() {  # configuration -> spin -D options
    local config=$1 macro
    [[ $config == - ]] && return 0
    IFS=, read -ra macros <<<"$config"
    for macro in "${macros[@]}"; do printf -- '-D%s ' "$macro"; done
}

key() {  # configuration kind -> build directory name
    printf '%s-%s' "${1//[=,]/_}" "$2"
}

throttle() {  # at most $jobs background jobs
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
}

# One pan per configuration and kind: "claims" has the ltl claims (the
# invariant of Nova's accept step is checked there as the claim "safe"),
# "plain" has no claim and checks assertions and end states.
build() {  # configuration kind
    local config=$1 kind=$2 dir
    dir=$work/$(key "$config" "$kind")
    mkdir -p "$dir"
    cp "$model" "$dir/recovery.pml"
    (
        cd "$dir"
        # shellcheck disable=SC2046
        if [[ $kind == claims ]]; then
            spin -a -DNO_ACCEPT_ASSERT $(defines "$config") recovery.pml &&
                gcc -O1 -w -DNFAIR=3 -DMEMLIM=$memlim -o pan pan.c
        else
            spin -a $(defines "$config") recovery.pml &&
                gcc -O1 -w -DNOCLAIM -DSAFETY -DMEMLIM=$memlim -o pan pan.c
        fi
    ) >"$dir/build.log" 2>&1 || echo failed >"$dir/build.failed"
}

run() {  # index expected configuration property
    local index=$1 expected=$2 config=$3 property=$4
    local kind=claims flags dir build_dir out status=0
    case $property in
        end-states) kind=plain; flags=() ;;
        live) flags=(-a -f -N "$property") ;;
        *) flags=(-N "$property") ;;
    esac
    build_dir=$work/$(key "$config" "$kind")
    dir=$work/check-$index
    mkdir -p "$dir"
    out=$dir/pan.out
    if [[ -e $build_dir/build.failed ]]; then
        cp "$build_dir/build.log" "$out"
        echo "BUILD FAILED" >"$dir/result"
        return 0
    fi
    cp "$build_dir/recovery.pml" "$build_dir/pan" "$dir/"
    (cd "$dir" && ./pan -m$depth "${flags[@]}") >"$out" 2>&1 || status=$?

    local errors states seconds message verdict
    errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$out" | tail -1)
    states=$(sed -n 's/^ *\([0-9][0-9.e+]*\) states, stored.*/\1/p' "$out" |
             tail -1)
    seconds=$(sed -n 's/^pan: elapsed time \([0-9.e+]*\) seconds.*/\1/p' \
              "$out" | tail -1)
    message=$(grep -m1 '^pan:1: ' "$out" || true)
    verdict=FAILED
    if grep -qE 'pan: error|too many processes' "$out" || [[ -z $errors ]]; then
        verdict="FAILED (pan did not complete)"
    elif [[ $expected == holds ]]; then
        if grep -qE 'max search depth too small|reached -DMEMLIM|out of memory' \
                "$out"; then
            verdict="FAILED (search incomplete)"
        elif [[ $status -eq 0 && $errors -eq 0 ]]; then
            verdict=holds
        else
            verdict="FAILED: $message"
        fi
    elif ((errors > 0)); then
        # the counterexample must be one of this property's claim
        if [[ $property == live && $message == *"acceptance cycle"* ]] ||
           [[ $property != live && $message == *'assertion violated  !( !('* ]]
        then
            verdict=refuted
            (cd "$dir" && spin -t $(defines "$config") -DNO_ACCEPT_ASSERT \
                recovery.pml) 2>/dev/null | sed -n 's/^ *MSC: /    /p' \
                >"$dir/trail.txt" || true
        else
            verdict="FAILED: other error: $message"
        fi
    else
        verdict="FAILED: not refuted"
    fi
    printf '%s|%s|%s\n' "$verdict" "${states:-?}" "${seconds:-?}" \
        >"$dir/result"
}

started=$SECONDS
declare -A built=()
for line in "${checks[@]}"; do
    read -r expected config property <<<"$line"
    kind=claims
    [[ $property == end-states ]] && kind=plain
    k=$(key "$config" "$kind")
    if [[ -z ${built[$k]:-} ]]; then
        built[$k]=1
        throttle
        build "$config" "$kind" &
    fi
done
wait

index=0
for line in "${checks[@]}"; do
    read -r expected config property <<<"$line"
    throttle
    run "$index" "$expected" "$config" "$property" &
    index=$((index + 1))
done
wait

printf '%-38s %-20s %-8s %-10s %10s %8s\n' configuration property expected \
    result states seconds
failed=0
index=0
for line in "${checks[@]}"; do
    read -r expected config property <<<"$line"
    IFS='|' read -r verdict states seconds <"$work/check-$index/result" ||
        verdict="FAILED (no result)"
    printf '%-38s %-20s %-8s %-10s %10s %8s\n' "$config" "$property" \
        "$expected" "$verdict" "${states:-}" "${seconds:-}"
    case $expected/$verdict in
        holds/holds | witness/refuted | refuted/refuted) ;;
        *)
            failed=$((failed + 1))
            sed 's/^/    | /' "$work/check-$index/pan.out" | tail -20
            ;;
    esac
    if $verbose && [[ -s $work/check-$index/trail.txt ]]; then
        echo "  counterexample:"
        cat "$work/check-$index/trail.txt"
    fi
    index=$((index + 1))
done

total=${#checks[@]}
elapsed=$((SECONDS - started))
if ((failed > 0)); then
    echo "$failed of $total checks FAILED (${elapsed} s)"
    exit 1
fi
echo "all $total checks as expected (${elapsed} s)"
