#!/usr/bin/env bash
# check.sh [--quick | --print] DIR — check a repo made by make-repo.sh
# against the kubesim scenarios and README.md.
#
#   check.sh DIR          the scenarios match the repo (below), and every
#                         fact section of README.md is what the repo says
#   check.sh --quick DIR  only the scenarios (make-repo.sh runs this)
#   check.sh --print DIR  print the fact sections computed from DIR
#
# The scenarios match the repo when every cell has its deployment, in the
# cluster and namespace opsdeck.yaml names, running the service's image
# with the tag Git asks for and the replicas Git asks for, and nothing
# else is there; when both clusters have the namespace opsdeck keeps its
# run records in and every user policy.yaml names; and when the runbooks'
# script is executable and the migration Job's simulated log fits its
# run (below); except exactly the documented drift and crash-loop:
DRIFT_CELL=ledger-service/development DRIFT_LIVE=3.5.0-rc.1
CRASH_CELL=fraud-detector/staging
#
# The README's fact sections sit between "<!-- check.sh: NAME -->" and
# "<!-- check.sh: end -->" lines and must equal what --print prints.
# Reads the committed files of branch main, never a work tree.
# Exit status: 0 all good, 1 something differs, 2 usage.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
export LC_ALL=C TZ=UTC GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

mode=full
case ${1:-} in
--quick | --print) mode=${1#--}; shift ;;
esac
[[ $# == 1 ]] || { echo "usage: check.sh [--quick | --print] DIR" >&2; exit 2; }
REPO=$1
g() { git -C "$REPO" "$@"; }
g rev-parse -q --verify 'main^{commit}' >/dev/null || { echo "check.sh: $REPO has no branch main" >&2; exit 2; }

FAILS=0
fail() { echo "check.sh: $*" >&2; FAILS=$((FAILS + 1)); }

# ---- blobs: one git cat-file for many ----
declare -A CONTENT
# read_blobs < "OID" lines: CONTENT[OID] = the blob (cat-file --batch's
# output is "OID TYPE SIZE", SIZE bytes, a newline; LC_ALL=C makes bash's
# read -N count bytes).
read_blobs() {
	local oid type size text
	while read -r oid type size; do
		[[ $type == blob ]] || { fail "cat-file: $oid $type"; return 1; }
		IFS='' read -r -N "$size" text || true
		CONTENT[$oid]=$text
		IFS='' read -r _ || true
	done < <(g cat-file --batch)
}
declare -A BLOB
fp_load_blob() {
	local b=${BLOB[$1]:-}
	[[ -n $b ]] || return 1
	FP_TEXT=${CONTENT[$b]}
}

# ---- the tip of main ----
declare -A MODE
while read -r fmode type blob path; do
	[[ $type == blob ]] && BLOB[$path]=$blob MODE[$path]=$fmode
done < <(g ls-tree -r main)
read_blobs < <(printf '%s\n' "${BLOB[@]}")
declare -A DESIRED SOURCE REPLICAS
for cell in "${FP_CELLS[@]}"; do
	if fp_desired "$cell" fp_load_blob; then
		DESIRED[$cell]=$FP_VERSION SOURCE[$cell]=$FP_FILE
	else
		fail "$cell: no desired version in the repo"
		DESIRED[$cell]=none SOURCE[$cell]=-
	fi
	fp_desired_replicas "$cell" fp_load_blob || REPLY='?'
	REPLICAS[$cell]=$REPLY
done

# ---- the scenarios ----
declare -A LIVE LIVE_REPS LIVE_CRASH SEEN LIVE_TAG
for cluster in finpay-dev finpay-prod; do
	f=$HERE/kubesim/$cluster.yaml
	[[ -f $f ]] || { fail "$f is missing"; continue; }
	while read -r ns dep reps crash imgs; do
		key="$cluster $ns $dep"
		[[ -z ${SEEN[$key]:-} ]] || fail "$cluster: deployment $ns/$dep twice"
		SEEN[$key]=1
		LIVE[$key]=$imgs LIVE_REPS[$key]=$reps LIVE_CRASH[$key]=$crash
	done < <(fp_scenario_deployments <"$f")
done
drifts=()
for cell in "${FP_CELLS[@]}"; do
	fp_target "$cell"
	key="$FP_CLUSTER_ $FP_NS $FP_DEP"
	if [[ -z ${LIVE[$key]:-} ]]; then
		fail "$cell: no deployment $FP_NS/$FP_DEP in kubesim/$FP_CLUSTER_.yaml"
		continue
	fi
	unset "SEEN[$key]"
	img=''
	for pair in ${LIVE[$key]}; do [[ ${pair%%=*} == "$FP_CTR" ]] && img=${pair#*=}; done
	if [[ -z $img ]]; then
		fail "$cell: $FP_NS/$FP_DEP has no container $FP_CTR"
		continue
	fi
	fp_image "${cell%%/*}"
	[[ ${img%:*} == "$REPLY" ]] || fail "$cell: image $img is not $REPLY:TAG"
	fp_image_tag "$img"
	LIVE_TAG[$cell]=$REPLY
	[[ $REPLY == "${DESIRED[$cell]}" ]] || drifts+=("$cell $REPLY")
	[[ ${LIVE_REPS[$key]} == "${REPLICAS[$cell]}" ]] ||
		fail "$cell: $FP_NS/$FP_DEP has ${LIVE_REPS[$key]} replicas, Git asks for ${REPLICAS[$cell]}"
	if [[ $cell == "$CRASH_CELL" ]]; then
		[[ ${LIVE_CRASH[$key]} == crash ]] || fail "$cell: should crash-loop (crashLoop) and does not"
	else
		[[ ${LIVE_CRASH[$key]} == - ]] || fail "$cell: crash-loops, but only $CRASH_CELL should"
	fi
done
for key in "${!SEEN[@]}"; do fail "kubesim/${key%% *}.yaml: deployment ${key#* } is no cell of opsdeck.yaml"; done
if [[ ${#drifts[@]} != 1 || ${drifts[0]} != "$DRIFT_CELL $DRIFT_LIVE" ]]; then
	fail "expected exactly one drift, $DRIFT_CELL running $DRIFT_LIVE; found: ${drifts[*]:-none}"
fi

# ---- what the runbooks need of the scenarios ----
# opsdeck keeps run records, approvals and once-keys in namespace opsdeck;
# policy.yaml's users must be users of both clusters.
declare -A SIM_USERS
for cluster in finpay-dev finpay-prod; do
	f=$HERE/kubesim/$cluster.yaml
	[[ -f $f ]] || continue
	section='' users=' ' nss=' '
	while IFS='' read -r line; do
		case $line in
		users:*) section=users ;;
		namespaces:*) section=namespaces ;;
		[![:space:]#]*) section='' ;;
		'  - name: '*)
			[[ $section == users ]] && users+="${line#  - name: } "
			[[ $section == namespaces ]] && nss+="${line#  - name: } " ;;
		esac
	done <"$f"
	SIM_USERS[$cluster]=$users
	[[ $nss == *" opsdeck "* ]] || fail "kubesim/$cluster.yaml: no namespace opsdeck (where opsdeck keeps run records)"
done
if fp_load_blob policy.yaml; then
	while IFS='' read -r line; do
		[[ $line =~ ^\ +users:\ +\[(.*)\]$ ]] || continue
		IFS=', ' read -r -a names <<<"${BASH_REMATCH[1]}"
		for u in "${names[@]}"; do
			for cluster in finpay-dev finpay-prod; do
				[[ ${SIM_USERS[$cluster]:-} == *" $u "* ]] ||
					fail "policy.yaml names user $u, whom kubesim/$cluster.yaml does not have"
			done
		done
	done <<<"$FP_TEXT"
else
	fail "no policy.yaml on main"
fi
for path in "${!MODE[@]}"; do
	[[ $path != runbooks/scripts/* || ${MODE[$path]} == 100755 ]] || fail "$path is not executable in Git (mode ${MODE[$path]})"
done
# The migration Job's pod logs each of its N template lines once before it
# exits: line i is due at i / rate and the exit at exit-after, so
# N - 1 < rate * exit-after < N (docs/kubesim.md, "Generated logs").
milli() { # "2.5" -> 2500
	local i=${1%%.*} f=''
	[[ $1 == *.* ]] && f=${1#*.}
	f=${f}000
	REPLY=$((10#${i:-0} * 1000 + 10#${f:0:3}))
}
job=runbooks/jobs/db-migration.yaml
if fp_load_blob "$job"; then
	rate='' exit_after='' n=0 in_lines=0
	while IFS='' read -r line; do
		if ((in_lines)) && [[ $line == '          '* ]]; then
			n=$((n + 1))
			continue
		fi
		in_lines=0
		if [[ $line =~ sim\.kubesim\.io/log-rate:\ +\"([0-9.]+)\" ]]; then rate=${BASH_REMATCH[1]}
		elif [[ $line =~ sim\.kubesim\.io/exit-after:\ +\"([0-9.]+)\" ]]; then exit_after=${BASH_REMATCH[1]}
		elif [[ $line =~ sim\.kubesim\.io/log-lines:\ +\|- ]]; then in_lines=1
		fi
	done <<<"$FP_TEXT"
	if [[ -z $rate || -z $exit_after || $n == 0 ]]; then
		fail "$job: no sim.kubesim.io/log-rate, exit-after or log-lines"
	else
		milli "$rate"
		r=$REPLY
		milli "$exit_after"
		p=$((r * REPLY))
		((p > (n - 1) * 1000000 && p < n * 1000000)) ||
			fail "$job: log-rate $rate x exit-after $exit_after does not print its $n lines exactly once"
	fi
else
	fail "no $job on main"
fi

if [[ $mode == quick ]]; then
	((FAILS == 0)) && echo "check.sh: kubesim scenarios match $REPO (one drift: $DRIFT_CELL)"
	exit $((FAILS > 0))
fi

# =====================================================================
# History, as docs/config-repo.md defines it: a release of a cell is a
# commit on main's first-parent line where the cell's desired version
# differs from the first parent's. A commit that changed one of the
# cell's locator files but not its version is a "touch" of the cell.
# =====================================================================
declare -A CHAINFILES TRACKED
for cell in "${FP_CELLS[@]}"; do
	fp_chain "$cell"
	chain=''
	for loc in "${FP_CHAIN[@]}"; do
		read -r _ file _ <<<"$loc"
		chain+=" $file"
		TRACKED[$file]+=" $cell"
	done
	CHAINFILES[$cell]=$chain
done

# One git log: every first-parent commit, oldest first, with its metadata
# and the blobs of the tracked files it changed against its first parent.
ORDER=()
declare -A PARENTS AUTHOR DATE SUBJECT REVIEWED APPROVED CHANGES NEED
commit=''
while IFS='' read -r line; do
	if [[ $line == $'\x1e'* ]]; then
		IFS=$'\x1f' read -r commit parents author date subject reviewed approved <<<"${line#$'\x1e'}"
		ORDER+=("$commit")
		PARENTS[$commit]=$parents AUTHOR[$commit]=$author DATE[$commit]=$date SUBJECT[$commit]=$subject
		REVIEWED[$commit]=$reviewed APPROVED[$commit]=$approved CHANGES[$commit]=
	elif [[ $line =~ ^:[0-7]+\ [0-7]+\ [0-9a-f]+\ ([0-9a-f]+)\ [A-Z][0-9]*$'\t'(.*)$ ]]; then
		path=${BASH_REMATCH[2]} blob=${BASH_REMATCH[1]}
		[[ -n ${TRACKED[$path]:-} ]] || continue
		CHANGES[$commit]+=" $path=$blob"
		[[ $blob == 0000000000000000000000000000000000000000 ]] || NEED[$blob]=1
	fi
done < <(g log --first-parent --reverse --root --no-renames --diff-merges=first-parent --raw --no-abbrev \
	--format=$'\x1e%H\x1f%P\x1f%an\x1f%cs\x1f%s\x1f%(trailers:key=Reviewed-by,valueonly,separator=%x2C )\x1f%(trailers:key=Approved-by,valueonly,separator=%x2C )' main)

# One git cat-file: the content of every blob those files ever had.
((${#NEED[@]} == 0)) || read_blobs < <(printf '%s\n' "${!NEED[@]}")

BLOB=()
declare -A PREVKEY PREVVER
RELEASES=() # "commit cell old new file", oldest first
TOUCHES=()  # "commit cell"
for commit in "${ORDER[@]}"; do
	[[ -n ${CHANGES[$commit]} ]] || continue
	declare -A dirty=()
	for change in ${CHANGES[$commit]}; do
		path=${change%=*} blob=${change#*=}
		if [[ $blob == 0000000000000000000000000000000000000000 ]]; then unset "BLOB[$path]"; else BLOB[$path]=$blob; fi
		for cell in ${TRACKED[$path]}; do dirty[$cell]=1; done
	done
	for cell in "${FP_CELLS[@]}"; do
		[[ -n ${dirty[$cell]:-} ]] || continue
		key=''
		for f in ${CHAINFILES[$cell]}; do key+="${BLOB[$f]:--},"; done
		[[ $key != "${PREVKEY[$cell]:-}" ]] || continue
		PREVKEY[$cell]=$key
		fp_desired "$cell" fp_load_blob || FP_VERSION=none FP_FILE=-
		old=${PREVVER[$cell]:-none}
		if [[ $FP_VERSION != "$old" ]]; then
			RELEASES+=("$commit $cell $old $FP_VERSION $FP_FILE")
		else
			TOUCHES+=("$commit $cell")
		fi
		PREVVER[$cell]=$FP_VERSION
	done
	unset dirty
done

short() { REPLY=${1:0:8}; }
nomail() { REPLY=$1; while [[ $REPLY =~ ^(.*)\ \<[^\>]*\>(.*)$ ]]; do REPLY=${BASH_REMATCH[1]}${BASH_REMATCH[2]}; done; }

# The commit on a merge's second-parent side that made path's blob what
# the merge has: the newest whose own first parent had another blob.
origin() {
	local m=$1 path=$2 want r p1 p2
	read -r p1 p2 <<<"${PARENTS[$m]}"
	want=$(g rev-parse -q --verify "$m:$path") || return 1
	for r in $(g rev-list "$p2" "^$p1"); do
		[[ $(g rev-parse -q --verify "$r:$path" || true) == "$want" ]] || continue
		[[ $(g rev-parse -q --verify "$r^1:$path" || true) == "$want" ]] && continue
		REPLY=$r
		return 0
	done
	return 1
}

section_final_state() {
	echo "| cell | cluster | namespace / deployment | Git (desired) | from | kubesim (live) | replicas | note |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	local cell note
	for cell in "${FP_CELLS[@]}"; do
		fp_target "$cell"
		note=''
		[[ $cell == "$DRIFT_CELL" ]] && note="**drift**: live $DRIFT_LIVE, Git ${DESIRED[$cell]}"
		[[ $cell == "$CRASH_CELL" ]] && note="**crash-loops** (crashLoop), version as in Git"
		echo "| $cell | $FP_CLUSTER_ | $FP_NS / $FP_DEP | ${DESIRED[$cell]} | \`${SOURCE[$cell]}\` | ${LIVE_TAG[$cell]:-?} | ${REPLICAS[$cell]} | $note |"
	done
}

section_env_differences() {
	# Services (and tenants) whose desired versions are not the same in
	# every environment, in promotion order.
	local s t e cell seen line first
	echo "| service | development | staging | production |"
	echo "| --- | --- | --- | --- |"
	for s in "${FP_SERVICES[@]}"; do
		for t in "${FP_TENANTS[@]}" ""; do
			[[ -z $t || $s == merchant-portal ]] || continue
			[[ -n $t || $s != merchant-portal ]] || continue
			line="| $s${t:+ ($t)} |" first='' seen=same
			for e in "${FP_ENVS[@]}"; do
				cell=$s/$e${t:+/$t}
				if [[ -z ${DESIRED[$cell]:-} ]]; then line+=" — |"; continue; fi
				line+=" ${DESIRED[$cell]} |"
				[[ -z $first ]] && first=${DESIRED[$cell]}
				[[ ${DESIRED[$cell]} == "$first" ]] || seen=differ
			done
			if [[ $seen == differ ]]; then echo "$line"; fi
		done
	done
}

section_releases() {
	local want=$1 i c cell old new file o oa os rev appr
	echo "| date | commit | subject (first parent) | change commit on the merged branch | old → new | author | merged by | Reviewed-by | Approved-by |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for ((i = ${#RELEASES[@]} - 1; i >= 0; i--)); do
		read -r c cell old new file <<<"${RELEASES[i]}"
		[[ $cell == "$want" ]] || continue
		short "$c"
		local sc=$REPLY
		[[ $old == none ]] && old="(none)"
		if [[ ${PARENTS[$c]} == *" "* ]]; then
			origin "$c" "$file" || REPLY=$c
			o=$REPLY
			IFS=$'\x1f' read -r oa os < <(g log -1 --format=$'%an\x1f%s' "$o")
			short "$o"
			local so=$REPLY
			nomail "${REVIEWED[$c]}"
			rev=$REPLY
			nomail "${APPROVED[$c]}"
			appr=$REPLY
			echo "| ${DATE[$c]} | $sc | ${SUBJECT[$c]} | $so ${os} | $old → $new | $oa | ${AUTHOR[$c]} | $rev | $appr |"
		else
			echo "| ${DATE[$c]} | $sc | ${SUBJECT[$c]} | — (a direct commit) | $old → $new | ${AUTHOR[$c]} | — | — | — |"
		fi
	done
}

section_touches() {
	local -A released=() touched=()
	local x c cell side
	for x in "${RELEASES[@]}"; do released[${x%% *}]=1; done
	for x in "${TOUCHES[@]}"; do
		read -r c cell <<<"$x"
		touched[$c]+="${touched[$c]:+, }$cell"
	done
	echo "| date | commit | subject (first parent) | commits on the merged branch | cells whose version files it touched |"
	echo "| --- | --- | --- | --- | --- |"
	for ((i = ${#ORDER[@]} - 1; i >= 0; i--)); do
		c=${ORDER[i]}
		[[ -n ${touched[$c]:-} && -z ${released[$c]:-} ]] || continue
		side="—"
		if [[ ${PARENTS[$c]} == *" "* ]]; then
			side=''
			while IFS='' read -r x; do side+="${side:+; }$x"; done < <(g log --reverse --format=%s "${PARENTS[$c]#* }" "^${PARENTS[$c]%% *}")
		fi
		short "$c"
		echo "| ${DATE[$c]} | $REPLY | ${SUBJECT[$c]} | $side | ${touched[$c]} |"
	done
}

section_counts() {
	local -A n=() t=() first=()
	local x c cell
	for x in "${RELEASES[@]}"; do
		read -r c cell _ <<<"$x"
		n[$cell]=$((${n[$cell]:-0} + 1))
		[[ -n ${first[$cell]:-} ]] || first[$cell]=${DATE[$c]}
	done
	for x in "${TOUCHES[@]}"; do read -r c cell <<<"$x"; t[$cell]=$((${t[$cell]:-0} + 1)); done
	echo "| cell | releases (the import included) | first release | commits that touched its version files without a new version |"
	echo "| --- | --- | --- | --- |"
	for cell in "${FP_CELLS[@]}"; do
		echo "| $cell | ${n[$cell]:-0} | ${first[$cell]:-} | ${t[$cell]:-0} |"
	done
}

section_summary() {
	local merges=0 c authors=() a b
	for c in "${ORDER[@]}"; do [[ ${PARENTS[$c]} != *" "* ]] || merges=$((merges + 1)); done
	local all
	all=$(g rev-list --count main)
	mapfile -t authors < <(g log --format=%an main | sort -u)
	echo "- main: $all commits, ${#ORDER[@]} on the first-parent line, $merges of them merges;" \
		"${DATE[${ORDER[0]}]} .. ${DATE[${ORDER[-1]}]}; tip \`${ORDER[-1]}\`"
	a=$(printf '%s, ' "${authors[@]}")
	echo "- people: ${a%, }"
	while read -r b; do
		[[ $b == main ]] && continue
		echo "- branch \`$b\`, not merged: $(g rev-list --count "main..$b") commit, \`$(g log -1 --format=%s "$b")\`"
	done < <(g for-each-ref --format='%(refname:short)' refs/heads)
}

print_section() {
	case $1 in
	summary) section_summary ;;
	final-state) section_final_state ;;
	env-differences) section_env_differences ;;
	releases-payments-api-production) section_releases payments-api/production ;;
	no-version-change) section_touches ;;
	release-counts) section_counts ;;
	*) return 1 ;;
	esac
	return 0
}
SECTIONS=(summary final-state env-differences releases-payments-api-production no-version-change release-counts)

if [[ $mode == print ]]; then
	for s in "${SECTIONS[@]}"; do
		echo "<!-- check.sh: $s -->"
		print_section "$s"
		echo "<!-- check.sh: end -->"
		echo
	done
	exit $((FAILS > 0))
fi

# The README's sections: NAME -> the lines between its markers.
declare -A HAVE
name=''
while IFS='' read -r line; do
	if [[ $line =~ ^'<!-- check.sh: '([a-z0-9-]+)' -->'$ ]]; then
		name=${BASH_REMATCH[1]}
		[[ $name != end ]] || name=''
		[[ -z $name ]] || HAVE[$name]=
	elif [[ -n $name ]]; then
		HAVE[$name]+=${HAVE[$name]:+$'\n'}$line
	fi
done <"$HERE/README.md"
for s in "${SECTIONS[@]}"; do
	want=$(print_section "$s")
	have=${HAVE[$s]:-}
	if [[ -z $have ]]; then
		fail "README.md has no section '$s'"
	elif [[ $want != "$have" ]]; then
		fail "README.md section '$s' is not what the repo says; it should read:"
		echo "$want" >&2
	fi
done
((FAILS == 0)) && echo "check.sh: $REPO matches the kubesim scenarios and README.md's facts"
exit $((FAILS > 0))
