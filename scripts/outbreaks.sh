#!/usr/bin/env bash
# outbreaks.sh [options] [WCSCAN]: generate synthetic outbreaks
# (testdata/gen/wcgen.py), run wcscan on each, run the naive baseline
# (scripts/baseline.py: earliest kill-switch lookup in the DNS logs) and
# score both against the truth (scripts/score.py).
#
# Default (no FAMILIES): the per-host test as it has always been: seeds
# 1..20, per-host collection, exit 1 when the legacy targets are missed
# (patient zero at rank 1 in >= 95% of the outbreaks, infected-host F1 >=
# 0.97, no trap host called infected, infected_by >= 90%), 2 on errors.
#
# Families (FAMILIES="per-host central mixed network-only", or --families
# LIST; "all" for the four): each family is the same seeds generated with
# that --collection mode; each is printed with the naive baseline beside it
# and its targets PASS/FAIL, then one line per family.  per-host-evtx,
# central-evtx and mixed-evtx are the same with the event logs written as
# binary .evtx (wcgen.py --evtx).  Targets:
#   per-host, central, mixed ("all evidence", clocks skewed up to 180 s):
#     pz@1 >= 95%, F1 >= 0.98, traps 0, infected_by >= 90%, better than
#     the baseline;
#   network-only: F1 >= 0.90, pz@1 >= 90% of the outbreaks whose logs hold
#     patient zero's lookup or sweep, traps 0, better than the baseline.
# With families the exit status is 0 (2 on errors) unless TARGETS=enforce
# (--targets): then 1 when any family misses a target.
#
# Options (environment):
#   --families LIST (FAMILIES)   scenario families to run
#   --seeds LIST    (SEEDS)      seeds; default the tuning range 1..20
#   --held-out      (HELDOUT=1)  the held-out range 101..130, reported as
#                                "held-out" (do not tune on it)
#   --targets       (TARGETS=enforce)  missed targets exit 1;
#   --no-targets    (TARGETS=report)   never (the default with families)
#   --jobs N        (JOBS)       outbreaks at once (default: cores)
#   --check         (CHECK=1)    validate every generated tree (wcgen.py
#                                --check: each event record parses as XML)
#   --keep          (KEEP=1)     keep the work directory (path printed)
#   -v              (VERBOSE=1)  list misses and false positives
# WCSCAN defaults to build/wcscan.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

# One outbreak (run in parallel by the main part below):
#   outbreaks.sh --one WCSCAN FAMILY SEED DIR
if [ "${1:-}" = --one ]; then
	wcscan=$2 fam=$3 s=$4 d=$5
	mkdir -p "$d"
	gen=(python3 "$root/testdata/gen/wcgen.py" --seed "$s" --out "$d/logs")
	case $fam in
	legacy) ;;
	*-evtx) gen+=(--collection "${fam%-evtx}" --evtx) ;;
	*) gen+=(--collection "$fam") ;;
	esac
	if ! "${gen[@]}" 2>"$d/gen.err"; then
		echo "outbreaks.sh: $fam seed $s: generator failed:" >&2
		cat "$d/gen.err" >&2
		exit 2
	fi
	mv "$d/logs/truth.json" "$d/truth.json"
	if [ "${CHECK:-0}" = 1 ] &&
		! python3 "$root/testdata/gen/wcgen.py" --check "$d/logs" 2>"$d/check.err"; then
		echo "outbreaks.sh: $fam seed $s: generated files invalid:" >&2
		head -5 "$d/check.err" >&2
		exit 2
	fi
	# (sed, not python: a python start costs about half a second here)
	tz=$(sed -n 's/^ "local_tz": "\([^"]*\)",$/\1/p' "$d/truth.json")
	year=$(sed -n 's/^ "year": \([0-9]*\),$/\1/p' "$d/truth.json")
	year=${year:-2017}
	args=(-f json -o "$d/report.json" --year "$year")
	[ -n "$tz" ] && args+=(--tz "$tz")
	inputs=()
	for sub in "$d"/logs/*/; do inputs+=("${sub%/}"); done
	"$wcscan" "${args[@]}" "${inputs[@]}" >"$d/wcscan.out" 2>"$d/wcscan.err"
	rc=$?
	status=0
	# 0: nothing found, 1: findings; anything else is an error.
	if [ $rc -gt 1 ]; then
		echo "outbreaks.sh: $fam seed $s: wcscan exited $rc:" >&2
		head -5 "$d/wcscan.err" >&2
		status=2
	fi
	if [ ! -s "$d/report.json" ]; then
		echo "outbreaks.sh: $fam seed $s: no report.json" >&2
		status=2
	fi
	# score.py checks that it is JSON and runs the baseline on logs/.
	exit $status
fi

families=${FAMILIES:-}
seeds=${SEEDS:-}
heldout=${HELDOUT:-0}
targets=${TARGETS:-}
jobs=${JOBS:-}
wcscan=
while [ $# -gt 0 ]; do
	case $1 in
	--families) families=$2; shift 2 ;;
	--seeds) seeds=$2; shift 2 ;;
	--held-out) heldout=1; shift ;;
	--targets) targets=enforce; shift ;;
	--no-targets) targets=report; shift ;;
	--jobs|-j) jobs=$2; shift 2 ;;
	--check) CHECK=1; shift ;;
	--keep) KEEP=1; shift ;;
	-v) VERBOSE=1; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "outbreaks.sh: unknown option $1 (--help)" >&2; exit 2 ;;
	*) wcscan=$1; shift ;;
	esac
done
export CHECK=${CHECK:-0}
wcscan=${wcscan:-build/wcscan}
[ "$families" = all ] && families="per-host central mixed network-only"
legacy=0
if [ -z "$families" ]; then
	legacy=1
	families=legacy
	targets=${targets:-enforce}
else
	targets=${targets:-report}
fi
label=tuning
if [ -z "$seeds" ]; then
	if [ "$heldout" = 1 ]; then
		seeds=$(seq 101 130 | tr '\n' ' ')
	else
		seeds=$(seq 1 20 | tr '\n' ' ')
	fi
fi
[ "$heldout" = 1 ] && label=held-out
jobs=${jobs:-$(nproc 2>/dev/null || echo 2)}

if [ ! -x "$wcscan" ]; then
	echo "outbreaks.sh: $wcscan: not an executable (build first, or pass its path)" >&2
	exit 2
fi
case $wcscan in /*) ;; *) wcscan=$(pwd)/$wcscan ;; esac
for f in $families; do
	case $f in
	legacy|per-host|central|mixed|network-only) ;;
	per-host-evtx|central-evtx|mixed-evtx) ;;
	*) echo "outbreaks.sh: unknown family $f (per-host central mixed network-only, or the first three with -evtx)" >&2
		exit 2 ;;
	esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/wcscan-outbreaks.XXXXXX") || exit 2
if [ "${KEEP:-0}" = 1 ]; then
	echo "outbreaks.sh: keeping $work" >&2
else
	trap 'rm -rf "$work"' EXIT
fi

status=0
# Every (family, seed) at once, JOBS at a time.
for f in $families; do
	for s in $seeds; do
		printf '%s\0%s\0%s\0' "$f" "$s" "$work/$f/seed-$s"
	done
done | xargs -0 -n 3 -P "$jobs" "$0" --one "$wcscan" || status=2

vflag=()
[ "${VERBOSE:-0}" = 1 ] && vflag=(-v)
jsons=()
for f in $families; do
	dirs=()
	for s in $seeds; do
		d=$work/$f/seed-$s
		[ -f "$d/truth.json" ] && dirs+=("$d")
	done
	if [ ${#dirs[@]} -eq 0 ]; then
		status=2
		continue
	fi
	sargs=(--batch --baseline baseline.json "${vflag[@]}")
	[ "$targets" = enforce ] && sargs+=(--targets)
	if [ $legacy = 0 ]; then
		echo
		sargs+=(--family "$f" --label "$label" --json "$work/$f.json")
		jsons+=("$work/$f.json")
	fi
	python3 "$here/score.py" "${sargs[@]}" "${dirs[@]}"
	sc=$?
	if [ $sc -gt $status ] && { [ $sc -ne 1 ] || [ "$targets" = enforce ]; }; then
		status=$sc
	fi
done
if [ ${#jsons[@]} -gt 0 ]; then
	echo
	echo "== families, $label seeds ($(echo $seeds | wc -w) outbreaks each); baseline in brackets =="
	python3 "$here/score.py" --table "${jsons[@]}" || status=2
fi
exit $status
