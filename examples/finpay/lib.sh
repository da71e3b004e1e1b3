# lib.sh — what make-repo.sh and check.sh share about the FinPay platform:
# its cells, where each cell's desired version lives (the same locators as
# repo/opsdeck.yaml, written out for bash), and small readers for the YAML
# files the generator writes.
#
# The readers are NOT a YAML parser: they understand exactly the layout
# make-repo.sh produces (block style, two-space indentation) and nothing
# else. opsdeck reads the repo with its own loader; these exist so the
# example can check itself with nothing but bash, git and coreutils.
#
# Functions return results in globals (REPLY, FP_*) rather than on stdout,
# so that callers need no $(...) subshells: forks are what makes shell
# slow. Sourced, never run. Needs bash 4.4.
# shellcheck disable=SC2034 # the FP_* results are read by the callers

FP_ENVS=(development staging production)
declare -A FP_SHORT=([development]=dev [staging]=stg [production]=prod)
declare -A FP_CLUSTER=([development]=finpay-dev [staging]=finpay-dev [production]=finpay-prod)
FP_TENANTS=(acme euroshop)
FP_SERVICES=(payments-api ledger-service fraud-detector merchant-portal merchant-api kyc-service)
declare -A FP_TEAM=([payments-api]=payments [ledger-service]=payments [fraud-detector]=payments
	[merchant-portal]=merchants [merchant-api]=merchants [kyc-service]=merchants)
FP_REGISTRY=registry.finpay.example

# Every cell, service/environment[/tenant], in opsdeck.yaml's order.
FP_CELLS=()
for _s in "${FP_SERVICES[@]}"; do
	for _e in "${FP_ENVS[@]}"; do
		[[ $_s == kyc-service && $_e == development ]] && continue
		if [[ $_s == merchant-portal ]]; then
			for _t in "${FP_TENANTS[@]}"; do FP_CELLS+=("$_s/$_e/$_t"); done
		else
			FP_CELLS+=("$_s/$_e")
		fi
	done
done
unset _s _e _t

# fp_split CELL: FP_S, FP_E, FP_T (tenant or empty).
fp_split() { IFS=/ read -r FP_S FP_E FP_T <<<"$1"; }

# fp_image SERVICE: REPLY = the image repository (no tag).
fp_image() { REPLY=$FP_REGISTRY/${FP_TEAM[$1]}/$1; }

# fp_target CELL: FP_CLUSTER_, FP_NS, FP_DEP, FP_CTR as opsdeck.yaml's
# templates give them (the container is the only one; for merchant-portal
# the Helm chart names it after the chart).
fp_target() {
	fp_split "$1"
	local short=${FP_SHORT[$FP_E]}
	FP_CLUSTER_=${FP_CLUSTER[$FP_E]} FP_DEP=$FP_S FP_CTR=$FP_S
	case $FP_S in
	payments-api | ledger-service) FP_NS=payments-$short ;;
	fraud-detector) FP_NS=fraud-$short ;;
	merchant-api) FP_NS=merchants-$short ;;
	kyc-service) FP_NS=kyc-$short ;;
	merchant-portal) FP_NS=merchant-$FP_T-$short FP_DEP=merchant-portal-$FP_T FP_CTR=merchant-portal ;;
	esac
}

# fp_chain CELL: FP_CHAIN = the locators, first first, each "READER FILE [ARG]".
# Readers: helm-tag (image.tag), app-version (appVersion), kustomize
# (images[name=ARG].newTag), manifest-image (in the Deployment document
# named ARG, the container named ARG: its image's tag; image: true).
fp_chain() {
	fp_split "$1"
	case $FP_S in
	payments-api | ledger-service)
		FP_CHAIN=("helm-tag charts/$FP_S/values-$FP_E.yaml" "helm-tag charts/$FP_S/values.yaml"
			"app-version charts/$FP_S/Chart.yaml") ;;
	merchant-portal)
		FP_CHAIN=("helm-tag tenants/$FP_T/merchant-portal/values-$FP_E.yaml"
			"helm-tag charts/merchant-portal/values.yaml" "app-version charts/merchant-portal/Chart.yaml") ;;
	fraud-detector | merchant-api)
		fp_image "$FP_S"
		FP_CHAIN=("kustomize apps/$FP_S/overlays/$FP_E/kustomization.yaml $REPLY") ;;
	kyc-service)
		FP_CHAIN=("manifest-image manifests/kyc-service/$FP_E.yaml kyc-service") ;;
	*) FP_CHAIN=() ;;
	esac
}

# ---- readers: YAML text on stdin, the value in REPLY ----

# fp_unquote SCALAR: REPLY = its value (comment and quotes removed).
fp_unquote() {
	REPLY=$1
	if [[ $REPLY == \"* ]]; then
		REPLY=${REPLY#\"} REPLY=${REPLY%%\"*}
	elif [[ $REPLY == \'* ]]; then
		REPLY=${REPLY#\'} REPLY=${REPLY%%\'*}
	else
		REPLY=${REPLY%%[[:space:]]#*}
		REPLY=${REPLY%"${REPLY##*[![:space:]]}"}
		REPLY=${REPLY#"${REPLY%%[![:space:]]*}"}
	fi
}

# fp_image_tag REF: REPLY = its tag, else its digest, else latest.
fp_image_tag() {
	local ref=$1 name digest=''
	if [[ $ref == *@* ]]; then digest=${ref#*@} ref=${ref%%@*}; fi
	name=${ref##*/}
	if [[ $name == *:* ]]; then
		REPLY=${name##*:}
	elif [[ -n $digest ]]; then
		REPLY=$digest
	else
		REPLY=latest
	fi
}

fp_read_helm_tag() {
	local line in_image=0
	while IFS='' read -r line; do
		case $line in
		image:*) in_image=1 ;;
		[![:space:]#]*) in_image=0 ;;
		*) if ((in_image)) && [[ $line =~ ^\ \ tag:\ +(.*)$ ]]; then
			fp_unquote "${BASH_REMATCH[1]}"
			return 0
		fi ;;
		esac
	done
	return 1
}

fp_read_app_version() {
	local line
	while IFS='' read -r line; do
		if [[ $line =~ ^appVersion:\ +(.*)$ ]]; then
			fp_unquote "${BASH_REMATCH[1]}"
			return 0
		fi
	done
	return 1
}

fp_read_kustomize() {
	local want=$1 line in_images=0 hit=0
	while IFS='' read -r line; do
		case $line in
		images:*) in_images=1 hit=0 ;;
		[![:space:]#]*) in_images=0 hit=0 ;;
		*)
			((in_images)) || continue
			if [[ $line =~ ^\ \ -\ name:\ +(.*)$ ]]; then
				fp_unquote "${BASH_REMATCH[1]}"
				[[ $REPLY == "$want" ]] && hit=1 || hit=0
			elif ((hit)) && [[ $line =~ ^\ \ \ \ newTag:\ +(.*)$ ]]; then
				fp_unquote "${BASH_REMATCH[1]}"
				return 0
			fi
			;;
		esac
	done
	return 1
}

fp_read_manifest_image() {
	local want=$1 line kind='' name='' in_meta=0 ctr=''
	while IFS='' read -r line; do
		case $line in
		---*) kind='' name='' in_meta=0 ctr='' ;;
		kind:*) fp_unquote "${line#kind:}" && kind=$REPLY ;;
		metadata:*) in_meta=1 ;;
		[![:space:]#]*) in_meta=0 ;;
		*)
			if ((in_meta)) && [[ $line =~ ^\ \ name:\ +(.*)$ ]]; then
				fp_unquote "${BASH_REMATCH[1]}" && name=$REPLY
			elif [[ $line =~ ^\ +-\ name:\ +(.*)$ ]]; then
				fp_unquote "${BASH_REMATCH[1]}" && ctr=$REPLY
			elif [[ $kind == Deployment && $name == "$want" && $ctr == "$want" &&
				$line =~ ^\ +image:\ +(.*)$ ]]; then
				fp_unquote "${BASH_REMATCH[1]}"
				fp_image_tag "$REPLY"
				return 0
			fi
			;;
		esac
	done
	return 1
}

# fp_read READER ARG < TEXT: REPLY = the value; 1 when there is none.
fp_read() {
	case $1 in
	helm-tag) fp_read_helm_tag ;;
	app-version) fp_read_app_version ;;
	kustomize) fp_read_kustomize "$2" ;;
	manifest-image) fp_read_manifest_image "$2" ;;
	*) return 2 ;;
	esac
}

# Loaders: LOADER FILE sets FP_TEXT to a file's content, or returns 1 when
# there is no such file. fp_load_dir reads under $FP_ROOT.
FP_ROOT=.
fp_load_dir() {
	[[ -f $FP_ROOT/$1 ]] || return 1
	IFS='' read -r -d '' FP_TEXT <"$FP_ROOT/$1" || true
}

# fp_desired CELL LOADER: FP_VERSION and FP_FILE (the file it came from)
# from the first locator that gives a value; 1 when none does.
fp_desired() {
	local loc reader file arg
	fp_chain "$1"
	for loc in "${FP_CHAIN[@]}"; do
		read -r reader file arg <<<"$loc"
		"$2" "$file" || continue
		fp_read "$reader" "$arg" <<<"$FP_TEXT" || continue
		[[ -n $REPLY ]] || continue
		FP_VERSION=$REPLY FP_FILE=$file
		return 0
	done
	FP_VERSION='' FP_FILE=''
	return 1
}

# fp_desired_replicas CELL LOADER: REPLY = the replicas Git asks for:
# replicaCount in the env values (else the chart's values.yaml), the
# overlay's replicas[name=SERVICE].count (else the base Deployment's), the
# Deployment document's spec.replicas. 1 when none is found.
fp_desired_replicas() {
	local line f
	fp_split "$1"
	local s=$FP_S e=$FP_E t=$FP_T files=()
	case $s in
	payments-api | ledger-service) files=("charts/$s/values-$e.yaml" "charts/$s/values.yaml") ;;
	merchant-portal) files=("tenants/$t/merchant-portal/values-$e.yaml" "charts/$s/values.yaml") ;;
	fraud-detector | merchant-api)
		if "$2" "apps/$s/overlays/$e/kustomization.yaml"; then
			local in=0 hit=0
			while IFS='' read -r line; do
				case $line in
				replicas:*) in=1 ;;
				[![:space:]#]*) in=0 ;;
				*) ((in)) || continue
					if [[ $line =~ ^\ \ -\ name:\ +(.*)$ ]]; then
						[[ ${BASH_REMATCH[1]} == "$s" ]] && hit=1 || hit=0
					elif ((hit)) && [[ $line =~ ^\ \ \ \ count:\ +([0-9]+) ]]; then
						REPLY=${BASH_REMATCH[1]}
						return 0
					fi ;;
				esac
			done <<<"$FP_TEXT"
		fi
		if "$2" "apps/$s/base/deployment.yaml" && [[ $FP_TEXT =~ $'\n'"  replicas: "([0-9]+) ]]; then
			REPLY=${BASH_REMATCH[1]}
			return 0
		fi
		return 1 ;;
	kyc-service)
		if "$2" "manifests/kyc-service/$e.yaml" && [[ $FP_TEXT =~ $'\n'"  replicas: "([0-9]+) ]]; then
			REPLY=${BASH_REMATCH[1]}
			return 0
		fi
		return 1 ;;
	esac
	for f in "${files[@]}"; do
		if "$2" "$f" && [[ $'\n'$FP_TEXT =~ $'\n'"replicaCount: "([0-9]+) ]]; then
			REPLY=${BASH_REMATCH[1]}
			return 0
		fi
	done
	return 1
}

# ---- kubesim scenarios ----

# fp_scenario_deployments < SCENARIO: the deployments of a scenario as
# written in kubesim/, one a line on stdout:
#   "namespace deployment replicas crash container=image [container=image...]"
# (crash is "crash" when crashLoop is set, else "-").
fp_scenario_deployments() {
	local line ns='' section='' dep='' reps=1 crash=- imgs=() ctr=''
	_fp_flush() {
		[[ -n $dep ]] && echo "$ns $dep $reps $crash ${imgs[*]}"
		dep='' reps=1 crash=- imgs=() ctr=''
	}
	while IFS='' read -r line; do
		case $line in
		'  - name: '*) _fp_flush; ns=${line#  - name: } section='' ;;
		'    '[a-z]*:*) _fp_flush; section=${line#    } section=${section%%:*} ;;
		[![:space:]#]*) _fp_flush; ns='' section='' ;;
		*)
			[[ $section == deployments ]] || continue
			if [[ $line =~ ^\ {6}-\ name:\ +(.*)$ ]]; then
				_fp_flush
				dep=${BASH_REMATCH[1]}
			elif [[ $line =~ ^\ {8}replicas:\ +([0-9]+) ]]; then
				reps=${BASH_REMATCH[1]}
			elif [[ $line =~ ^\ {8}crashLoop: ]]; then
				[[ $line == *false* ]] || crash=crash
			elif [[ $line =~ ^\ {8}image:\ +(.*)$ ]]; then
				fp_unquote "${BASH_REMATCH[1]}"
				imgs+=("$dep=$REPLY")
			elif [[ $line =~ ^\ {10}-\ name:\ +(.*)$ ]]; then
				fp_unquote "${BASH_REMATCH[1]}"
				ctr=$REPLY
			elif [[ $line =~ ^\ {12}image:\ +(.*)$ ]]; then
				fp_unquote "${BASH_REMATCH[1]}"
				imgs+=("$ctr=$REPLY")
			fi
			;;
		esac
	done
	_fp_flush
}
