#!/usr/bin/env bash
# The default rules are compiled in: a wcscan copied to an empty directory
# runs without --rules and reports the sample as one with the rule files
# does; --list-rules says where each rule came from; --rules DIR replaces a
# rule by id.
# usage: rules_builtin.sh WCSCAN SOURCE_DIR
set -u
wcscan=$1
src=$2
tmp=$(mktemp -d /tmp/wcscan-rules.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }

mkdir "$tmp/bin"
cp "$wcscan" "$tmp/bin/wcscan"
unset WCSCAN_RULES_DIR
(cd "$tmp/bin" && ./wcscan -q -f json -o "$tmp/builtin.json" "$src"/testdata/sample/*/)
rc=$?
[ "$rc" = 1 ] && ok "a copy in an empty directory runs without --rules (exit 1)" ||
	not_ok "a copy in an empty directory: exit $rc, want 1"
WCSCAN_RULES_DIR="$src/rules" "$tmp/bin/wcscan" -q -f json -o "$tmp/files.json" \
	"$src"/testdata/sample/*/
cmp -s "$tmp/builtin.json" "$tmp/files.json" &&
	ok "the built-in rules report what the rule files do" ||
	not_ok "built-in and file rules differ"

"$tmp/bin/wcscan" --list-rules >"$tmp/list"
n_files=$(grep -c '^rule ' "$src"/rules/*.rules | awk -F: '{ s += $NF } END { print s }')
n_list=$(grep -c '(builtin:[a-z_.-]*\.rules:[0-9]*)$' "$tmp/list")
[ "$n_list" = "$n_files" ] && [ "$n_list" -gt 0 ] &&
	ok "--list-rules: all $n_list rules built in, with name:line" ||
	not_ok "--list-rules: $n_list built-in rules listed, $n_files in rules/"

# A rule of the same id from --rules replaces the built-in one.
mkdir "$tmp/mine"
id=$(awk '/^rule /{ print $2; exit }' "$src"/rules/*.rules | head -1)
cat >"$tmp/mine/local.rules" <<RULES
rule $id
	description Replaced locally
	class       lookup
	severity    high
	event       dns
	field       qname
	pcre        /^example\.invalid$/
RULES
"$tmp/bin/wcscan" --rules "$tmp/mine" --list-rules >"$tmp/list2"
grep -q "^$id .*Replaced locally ($tmp/mine/local.rules:1)\$" "$tmp/list2" &&
	[ "$(wc -l <"$tmp/list2")" = "$(wc -l <"$tmp/list")" ] &&
	ok "--rules DIR replaces a built-in rule by id" ||
	not_ok "--rules DIR did not replace $id"
"$tmp/bin/wcscan" --no-default-rules --rules "$tmp/mine" --list-rules >"$tmp/list3"
[ "$(wc -l <"$tmp/list3")" = 1 ] &&
	ok "--no-default-rules leaves out the built-in rules" ||
	not_ok "--no-default-rules"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
