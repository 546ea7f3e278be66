#!/usr/bin/env bash
# outbreaks.sh [WCSCAN]: generate the fixed set of synthetic outbreaks
# (testdata/gen/wcgen.py, seeds 1..20), run wcscan on each and score the
# reports against the truth (scripts/score.py).  Exits non-zero when the
# detection targets are missed (patient zero at rank 1 in >= 95% of the
# outbreaks, infected-host F1 >= 0.97, no trap host called infected,
# infected_by >= 90%; neutralized recall is reported), 2 on errors.
#
# WCSCAN defaults to build/wcscan.  KEEP=1 keeps the work directory (its
# path is printed); SEEDS="1 2 3" runs other seeds.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
wcscan=${1:-build/wcscan}
seeds=${SEEDS:-"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20"}

if [ ! -x "$wcscan" ]; then
	echo "outbreaks.sh: $wcscan: not an executable (build first, or pass its path)" >&2
	exit 2
fi
case $wcscan in /*) ;; *) wcscan=$(pwd)/$wcscan ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/wcscan-outbreaks.XXXXXX") || exit 2
if [ "${KEEP:-0}" = 1 ]; then
	echo "outbreaks.sh: keeping $work" >&2
else
	trap 'rm -rf "$work"' EXIT
fi

status=0
dirs=()
for s in $seeds; do
	d=$work/seed-$s
	if ! python3 "$root/testdata/gen/wcgen.py" --seed "$s" --out "$d/logs" 2>"$d.gen.err"; then
		echo "outbreaks.sh: seed $s: generator failed:" >&2
		cat "$d.gen.err" >&2
		status=2
		continue
	fi
	mv "$d/logs/truth.json" "$d/truth.json"
	tz=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("local_tz") or "")' \
		"$d/truth.json")
	year=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("year") or 2017)' \
		"$d/truth.json")
	args=(-f json -o "$d/report.json" --year "$year")
	[ -n "$tz" ] && args+=(--tz "$tz")
	inputs=()
	for sub in "$d"/logs/*/; do inputs+=("${sub%/}"); done
	"$wcscan" "${args[@]}" "${inputs[@]}" >"$d.out" 2>"$d.err"
	rc=$?
	# 0: nothing found, 1: findings; anything else is an error.
	if [ $rc -gt 1 ]; then
		echo "outbreaks.sh: seed $s: wcscan exited $rc:" >&2
		head -5 "$d.err" >&2
		status=2
	fi
	if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/report.json" 2>/dev/null; then
		echo "outbreaks.sh: seed $s: report.json missing or not JSON" >&2
		status=2
	fi
	dirs+=("$d")
done

[ ${#dirs[@]} -gt 0 ] || exit 2
python3 "$here/score.py" --targets --batch "${dirs[@]}"
sc=$?
if [ $status -eq 0 ]; then
	status=$sc
fi
exit $status
