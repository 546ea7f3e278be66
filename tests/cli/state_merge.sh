#!/usr/bin/env bash
# Engine state files (issue 15): for random partitions of a generated
# outbreak's inputs into shards, each shard read on its own with
# --save-state and the states merged in a random order give the report of
# one run over every input, byte for byte (JSON and text).  Families:
# per-host, central and network-only collections, and a firewall log
# split by time into pieces.  A file read by two states is refused, and
# not read again when named beside a state that read it.  The last case
# runs the shards with GNU parallel, as README's recipe does (SKIP of that
# case, said, without it).
#
# usage: state_merge.sh WCSCAN SRCDIR
set -uo pipefail
wcscan=$1 src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/wcscan-state.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0 cases=0

# The report options of an outbreak: its time zone and year.
report_args() {
	local t=$1/truth.json tz year
	tz=$(sed -n 's/^ "local_tz": "\([^"]*\)",$/\1/p' "$t")
	year=$(sed -n 's/^ "year": \([0-9]*\),$/\1/p' "$t")
	printf '%s\n' --year "${year:-2017}"
	[ -n "$tz" ] && printf '%s\n' --tz "$tz"
	return 0
}

# One outbreak: generate, one run, then partitions.
# trial NAME SEED SHARDS-LIST GEN-ARGS...
trial() {
	local name=$1 seed=$2 shard_counts=$3 d k p st
	shift 3
	d=$work/$name.$seed
	mkdir -p "$d"
	if ! python3 "$src/testdata/gen/wcgen.py" --seed "$seed" --out "$d/logs" \
		"$@" 2>"$d/gen.err"; then
		echo "FAIL $name seed $seed: the generator failed"
		cat "$d/gen.err"
		fails=$((fails + 1))
		return
	fi
	mv "$d/logs/truth.json" "$d/truth.json"
	[ -n "${SPLIT:-}" ] && split_by_time "$d/logs"
	mapfile -t args < <(report_args "$d")
	(cd "$d/logs" && find . -type f | LC_ALL=C sort) >"$d/files"
	# (exit 1 says something was found: not a failure here)
	(cd "$d/logs" && "$wcscan" -q "${args[@]}" -f json -o ../one.json \
		$(cat ../files); "$wcscan" -q "${args[@]}" -o ../one.txt \
		$(cat ../files))
	for k in $shard_counts; do
		cases=$((cases + 1))
		rm -rf "$d/shards" && mkdir -p "$d/shards"
		# A partition drawn from the seed and the shard count.
		python3 - "$d/files" "$d/shards" "$k" "$seed" <<'EOF'
import random, sys
files = open(sys.argv[1]).read().split()
r = random.Random(int(sys.argv[4]) * 100 + int(sys.argv[3]))
for f in files:
    with open("%s/%d.list" % (sys.argv[2], r.randrange(int(sys.argv[3]))), "a") as o:
        o.write(f + "\n")
EOF
		for p in "$d"/shards/*.list; do
			(cd "$d/logs" && "$wcscan" -q --no-report "${args[@]}" \
				--save-state "${p%.list}.state" $(cat "$p")) ||
				echo "FAIL $name seed $seed: shard $p not saved"
		done
		mapfile -t st < <(ls "$d"/shards/*.state |
			python3 -c 'import random,sys; l=sys.stdin.read().split(); random.Random(7).shuffle(l); print("\n".join(l))')
		(cd "$d/logs" && "$wcscan" merge -q "${args[@]}" -f json \
			-o ../merged.json "${st[@]}"; "$wcscan" merge -q \
			"${args[@]}" -o ../merged.txt "${st[@]}")
		if cmp -s "$d/one.json" "$d/merged.json" &&
			cmp -s "$d/one.txt" "$d/merged.txt"; then
			echo "ok   $name seed $seed: $k shards merged = one run"
		else
			echo "FAIL $name seed $seed: $k shards merged differ from one run:"
			diff "$d/one.json" "$d/merged.json" | head -10
			diff "$d/one.txt" "$d/merged.txt" | head -6
			fails=$((fails + 1))
		fi
	done
}

# A big log split by time: each firewall log cut into three pieces by
# line, as a rotation would leave it.
split_by_time() {
	local f n
	for f in $(find "$1" -type f -path '*fw*'); do
		zcat -f "$f" >"$f.plain" && rm -f "$f"
		n=$(wc -l <"$f.plain")
		if [ "$n" -ge 30 ]; then
			split -d -l $(((n + 2) / 3)) "$f.plain" "$f.part" &&
				rm -f "$f.plain"
		fi
	done
}

trial per-host 501 "2 3 5" --collection per-host --hosts 40
trial central 502 "2 4" --collection central --hosts 40
trial network-only 503 "2 3 5" --collection network-only --hosts 40
SPLIT=1 trial split-by-time 504 "2 3" --collection network-only --hosts 40

# A file read twice: the same state merged twice is refused, naming the
# state and the file; a file named beside a state that read it is not
# read again (said, exit 2), its records counted once.
cases=$((cases + 1))
d=$work/network-only.503
f=$(head -n 1 "$d/files")
mapfile -t args < <(report_args "$d")
(cd "$d/logs" && "$wcscan" -q --no-report "${args[@]}" \
	--save-state ../twice.state "$f")
(cd "$d/logs" && "$wcscan" -q --no-report "${args[@]}" \
	--save-state ../other.state $(sed -n '2,$p' ../files))
(cd "$d/logs" && "$wcscan" merge -q "${args[@]}" -f json -o ../t1.json \
	../twice.state ../other.state ../twice.state 2>../t1.err)
rc1=$?
(cd "$d/logs" && "$wcscan" -q "${args[@]}" -f json -o ../t2.json \
	--load-state ../twice.state "$f" 2>../t2.err)
rc2=$?
if [ "$rc1" -eq 2 ] && grep -q "twice.state: .*${f#./} was read by a state loaded before it too" "$d/t1.err" &&
	[ "$rc2" -eq 2 ] && grep -q "read already by a state loaded" "$d/t2.err" &&
	python3 - "$d/t2.json" "$d/one.json" "${f#./}" <<'EOF'; then
import json, sys
two, one = (json.load(open(a)) for a in sys.argv[1:3])
rec = lambda r: [i["records"] for i in r["inputs"] if i["path"].endswith(sys.argv[3])]
assert rec(two) == rec(one) and rec(one), (rec(two), rec(one))
EOF
	echo "ok   a file read twice: the state merged twice refused, the file named again not read"
else
	echo "FAIL a file read twice: merge exit $rc1, named again exit $rc2:"
	cat "$d/t1.err" "$d/t2.err" | head -5
	fails=$((fails + 1))
fi

# The recipe with GNU parallel: one shard per directory of the share.
if command -v parallel >/dev/null 2>&1; then
	cases=$((cases + 1))
	d=$work/per-host.501
	mapfile -t args < <(report_args "$d")
	rm -rf "$d/pstates" && mkdir "$d/pstates"
	(cd "$d/logs" && ls -d */* | parallel --will-cite -j 2 \
		"$wcscan" -q --no-report "${args[*]}" \
		--save-state ../pstates/{#}.state {}) &&
		(cd "$d/logs" && "$wcscan" merge -q --found-exit-zero \
			"${args[@]}" -f json -o ../parallel.json ../pstates/*.state)
	# Each directory was walked in one shard: the inputs are the files
	# one run over the directories lists, in the same order.
	(cd "$d/logs" && "$wcscan" -q "${args[@]}" -f json -o ../dirs.json \
		$(ls -d */* | LC_ALL=C sort))
	if cmp -s "$d/dirs.json" "$d/parallel.json"; then
		echo "ok   GNU parallel shards merged = one run"
	else
		echo "FAIL GNU parallel shards merged differ from one run:"
		diff "$d/dirs.json" "$d/parallel.json" | head -10
		fails=$((fails + 1))
	fi
else
	echo "SKIP GNU parallel recipe: parallel is not installed (scripts/deps installs it)"
fi

echo "state_merge: $cases cases, $fails failed"
[ "$fails" -eq 0 ]
