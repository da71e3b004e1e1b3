#!/usr/bin/env python3
"""The generator behind bench/make-platform.sh (run that, not this).

    python3 bench/make-platform.py DIR TENANTS SERVICES ENVS COMMITS SEED

Writes a `git fast-import` stream for the benchmark platform's config repo
on stdout, and into DIR the kubesim scenarios (one per cluster) and
cells.tsv, the expected matrix. Every choice comes from one seeded
splitmix64 generator and every date from integer arithmetic, so the same
arguments give the same stream, hence the same commit ids, on any Python 3.
"""

import sys

M64 = (1 << 64) - 1


class Rng:
    """splitmix64: small, fast and the same everywhere (Python's own random
    module has changed its algorithms between versions)."""

    def __init__(self, seed):
        self.s = seed & M64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def random(self):  # [0, 1), exact: 53 bits / 2**53
        return (self.next() >> 11) / 9007199254740992.0

    def below(self, n):
        return self.next() % n

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def weighted(self, cum):  # cum: increasing integer cumulative weights
        r = self.below(cum[-1])
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] > r:
                hi = mid
            else:
                lo = mid + 1
        return lo


# ---- the platform -------------------------------------------------------

# Promotion order for N environments: production last, always.
ENV_ORDER = ["development", "qa", "uat", "perf", "preprod", "staging"]
SHORT = {"development": "dev", "qa": "qa", "uat": "uat", "perf": "perf",
         "preprod": "pre", "staging": "stg", "production": "prod"}


def environments(n):
    if n == 1:
        names = ["production"]
    elif n == 2:
        names = ["development", "production"]
    elif n == 3:
        names = ["development", "staging", "production"]
    elif n == 4:
        names = ["development", "qa", "staging", "production"]
    else:
        extra = ["uat", "perf", "preprod"] + ["env%d" % i for i in range(4, n)]
        names = ["development", "qa"] + extra[:n - 4] + ["staging", "production"]
    envs = []
    for name in names:
        prod = name == "production"
        envs.append({"name": name, "short": SHORT.get(name, name),
                     "cluster": "bench-prod" if prod else "bench-nonprod",
                     "prod": prod})
    return envs


COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay",
             "Soylent", "Tyrell", "Wonka", "Cyberdyne", "Stark", "Wayne",
             "Oscorp", "Gringotts", "Monarch", "Nakatomi", "Prestige",
             "Sirius", "Aperture", "Black Mesa", "Duff", "Krusty",
             "Massive Dynamic", "Pied Piper", "Dunder Mifflin"]
SUFFIXES = ["Corp", "Ltd", "GmbH", "Inc", "SA", "BV", "AG", "plc"]
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2",
           "ap-southeast-1", "ca-central-1"]
TEAMS = ["checkout", "identity", "ledger", "search", "messaging", "platform"]

AUTHORS = [  # name, email, time zone
    ("Alice Martin", "alice.martin@bench.example.com", "+0100"),
    ("Bruno Costa", "bruno.costa@bench.example.com", "+0000"),
    ("Chen Wei", "chen.wei@bench.example.com", "+0800"),
    ("Dana Kowalski", "dana.kowalski@bench.example.com", "+0100"),
    ("Emeka Obi", "emeka.obi@bench.example.com", "+0100"),
    ("Fatima Haddad", "fatima.haddad@bench.example.com", "+0200"),
    ("Gustav Lind", "gustav.lind@bench.example.com", "+0100"),
    ("Hana Sato", "hana.sato@bench.example.com", "+0900"),
    ("Ivan Petrov", "ivan.petrov@bench.example.com", "+0300"),
    ("Julia Souza", "julia.souza@bench.example.com", "-0300"),
    ("Kevin O'Brien", "kevin.obrien@bench.example.com", "-0500"),
    ("Lena Vogel", "lena.vogel@bench.example.com", "+0100"),
]
AUTHOR_WEIGHTS = [9, 8, 7, 7, 6, 6, 5, 5, 4, 3, 2, 2]  # a few do most
MAINTAINERS = [0, 3, 5, 11]  # who merges pull requests

REGISTRY = "registry.bench.local/platform"
START = 1732093200  # 2024-11-20T09:00:00Z
END = 1795089600    # 2026-11-19T12:00:00Z: the last commit, 2026-11-19 in every time zone used


def width(n):
    return max(2, len(str(n)))


def vstr(v):
    return "%d.%d.%d" % v


def cell_file(tenant, svc, env):
    return "tenants/%s/%s/values-%s.yaml" % (tenant, svc, env)


def values_yaml(svc, tenant, env, version, st):
    return ("# %s for tenant %s in %s\n"
            "image:\n"
            "  repository: %s/%s\n"
            "  tag: \"%s\"\n"
            "replicas: 1\n"
            "resources:\n"
            "  requests: {cpu: %dm, memory: %dMi}\n"
            "settings:\n"
            "  logLevel: %s\n"
            "  poolSize: %d\n"
            "  timeoutMs: %d\n"
            "  featureFlags: [%s]\n"
            % (svc, tenant, env, REGISTRY, svc, vstr(version), st["cpu"],
               st["mem"], st["logLevel"], st["poolSize"], st["timeoutMs"],
               ", ".join(st["flags"])))


def chart_values_yaml(svc, version, st):
    return ("# Defaults for %s; tenants/<tenant>/%s/values-<env>.yaml override them.\n"
            "image:\n"
            "  repository: %s/%s\n"
            "  tag: \"%s\"\n"
            "  pullPolicy: IfNotPresent\n"
            "replicas: 1\n"
            "resources:\n"
            "  requests: {cpu: %dm, memory: %dMi}\n"
            "service:\n"
            "  port: 80\n"
            "  targetPort: 8080\n"
            % (svc, svc, REGISTRY, svc, vstr(version), st["cpu"], st["mem"]))


def chart_yaml(svc, version):
    return ("apiVersion: v2\n"
            "name: %s\n"
            "description: Benchmark service %s\n"
            "type: application\n"
            "version: 0.1.0\n"
            "appVersion: \"%s\"\n" % (svc, svc, vstr(version)))


def chart_template(svc):
    return ("apiVersion: apps/v1\n"
            "kind: Deployment\n"
            "metadata:\n"
            "  name: {{ .Chart.Name }}-{{ .Values.tenant }}\n"
            "spec:\n"
            "  replicas: {{ .Values.replicas }}\n"
            "  selector:\n"
            "    matchLabels: {app: \"{{ .Chart.Name }}-{{ .Values.tenant }}\"}\n"
            "  template:\n"
            "    metadata:\n"
            "      labels: {app: \"{{ .Chart.Name }}-{{ .Values.tenant }}\"}\n"
            "    spec:\n"
            "      containers:\n"
            "        - name: {{ .Chart.Name }}-{{ .Values.tenant }}\n"
            "          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n")


def opsdeck_yaml(args, envs, tenants, services):
    out = ["# The benchmark platform: %d tenants x %d services x %d environments.\n"
           "# Generated by bench/make-platform.sh %s; do not edit by hand.\n"
           % (len(tenants), len(services), len(envs), args),
           "environments:\n"]
    for e in envs:
        out.append("  - name: %s\n    short: %s\n    cluster: %s\n"
                   % (e["name"], e["short"], e["cluster"]))
        if e["prod"]:
            out.append("    approval: second-person\n    protected: true\n")
    out.append("\ntenants:\n")
    for t in tenants:
        out.append("  - name: %s\n    title: \"%s\"\n    variables: {DataRegion: %s}\n"
                   % (t["name"], t["title"], t["region"]))
    out.append("\nservices:\n")
    for s in services:
        out.append(
            "  - name: %s\n"
            "    team: %s\n"
            "    tenanted: true\n"
            "    workload: \"deployment/{{ service.name }}-{{ tenant.name }}\"\n"
            "    namespace: \"{{ tenant.name }}-{{ env.short }}\"\n"
            "    version:\n"
            "      - file: \"tenants/{{ tenant.name }}/{{ service.name }}/values-{{ env.name }}.yaml\"\n"
            "        path: image.tag\n"
            "      - file: \"charts/{{ service.name }}/values.yaml\"\n"
            "        path: image.tag\n" % (s["name"], s["team"]))
    return "".join(out)


DOC_TOPICS = ["rollback", "oncall", "capacity", "alerts", "certificates",
              "tenant-onboarding", "secrets", "ingress", "dns", "backups",
              "cost", "incident-review", "dependencies", "logging"]
DOC_LINES = ["Check the dashboard before and after the change.",
             "Ask in #platform when in doubt.",
             "Production changes need a second person's approval.",
             "Promote one environment at a time: development, then qa, then staging.",
             "Tags are quoted strings: \"1.10.0\", never 1.10.",
             "Keep settings changes and version bumps in separate commits.",
             "The on-call engineer owns the rollback decision.",
             "Record the incident number in the commit message.",
             "Values files override the chart defaults key by key.",
             "New tenants start with the chart's default version."]


# ---- the stream ---------------------------------------------------------

class Stream:
    def __init__(self, out):
        self.out = out
        self.mark = 0

    def data(self, text):
        b = text.encode("utf-8")
        self.out.write(b"data %d\n" % len(b))
        self.out.write(b)
        self.out.write(b"\n")

    def commit(self, ref, author, when, committer, cwhen, message,
               changes, parent=None, merge=None):
        self.mark += 1
        w = self.out.write
        w(("commit %s\nmark :%d\n" % (ref, self.mark)).encode())
        a, c = AUTHORS[author], AUTHORS[committer]
        w(("author %s <%s> %d %s\n" % (a[0], a[1], when, a[2])).encode())
        w(("committer %s <%s> %d %s\n" % (c[0], c[1], cwhen, c[2])).encode())
        self.data(message)
        if parent is not None:
            w(b"from :%d\n" % parent)
        if merge is not None:
            w(b"merge :%d\n" % merge)
        for path, text in changes:
            w(("M 100644 inline %s\n" % path).encode())
            self.data(text)
        w(b"\n")
        return self.mark


def main():
    outdir = sys.argv[1]
    nt, ns, ne, ncommits, seed = (int(x) for x in sys.argv[2:7])
    args = "%d %d %d %d" % (nt, ns, ne, ncommits) + ("" if seed == 1 else " (SEED=%d)" % seed)
    rng = Rng(seed)
    envs = environments(ne)
    tw, sw = width(nt), width(ns)
    tenants = []
    for i in range(nt):
        title = "%s %s" % (COMPANIES[i % len(COMPANIES)], SUFFIXES[(i * 3) % len(SUFFIXES)])
        if i >= len(COMPANIES):
            title += " %d" % (i // len(COMPANIES) + 1)
        tenants.append({"name": "t%0*d" % (tw, i + 1), "title": title,
                        "region": REGIONS[(i * 7) % len(REGIONS)]})
    services = [{"name": "svc%0*d" % (sw, i + 1), "team": TEAMS[i % len(TEAMS)]}
                for i in range(ns)]

    # State: per (service, tenant) the version in each environment, and the
    # settings of every values file.
    base = {}
    for s in services:
        base[s["name"]] = (1, 1 + rng.below(20), rng.below(10))
    ver = {}      # (svc, tenant) -> [version per env index]
    prev = {}     # (svc, tenant, env index) -> the version before the last change
    releases = {}  # (svc, tenant, env index) -> releases after the first commit
    settings = {}  # path -> dict
    for s in services:
        for t in tenants:
            ver[(s["name"], t["name"])] = [base[s["name"]]] * ne
            for ei, e in enumerate(envs):
                settings[cell_file(t["name"], s["name"], e["name"])] = {
                    "cpu": 100, "mem": 128, "logLevel": "info",
                    "poolSize": 10, "timeoutMs": 3000, "flags": ["fast-checkout"]}
                releases[(s["name"], t["name"], ei)] = 0
    chart_settings = {s["name"]: {"cpu": 100, "mem": 128} for s in services}
    docs = {
        "README.md": ["# Benchmark platform config", "",
                      "Generated by bench/make-platform.sh %s." % args, "",
                      "Layout: charts/<service>/ holds each chart and its defaults;",
                      "tenants/<tenant>/<service>/values-<env>.yaml the per-cell values.", ""],
        "docs/promotion.md": ["# Promotion", ""],
        "docs/onboarding.md": ["# Onboarding a tenant", ""],
        "docs/adr/0001-gitops.md": ["# 1. GitOps for every environment", "",
                                    "Status: accepted", ""],
    }
    adr_next = 2

    # Dates: integer gaps (burst or lull), scaled to START..END.
    gaps = [0]
    for _ in range(ncommits - 1):
        gaps.append(1 + (rng.below(40) if rng.random() < 0.7 else rng.below(400)))
    total = sum(gaps) or 1
    dates, cum = [], 0
    for g in gaps:
        cum += g
        d = START + (END - START) * cum // total
        if dates and d <= dates[-1]:
            d = dates[-1] + 1
        dates.append(d)
    if ncommits == 1:
        dates = [END]
    di = [0]

    def next_date():
        d = dates[di[0]]
        di[0] += 1
        return d

    acum, c = [], 0
    for wgt in AUTHOR_WEIGHTS:
        c += wgt
        acum.append(c)
    scum, c = [], 0
    for i in range(ns):  # hot services: svc01 changes most, weight 1/(i+1)
        c += 1000 // (i + 1)
        scum.append(c)

    st = Stream(sys.stdout.buffer)
    out = []
    main_marks = []      # first-parent line, oldest first
    last_changed = {}    # path -> index in main_marks of its last change

    # The first commit: everything.
    files = [("opsdeck.yaml", opsdeck_yaml(args, envs, tenants, services))]
    for p in sorted(docs):
        files.append((p, "\n".join(docs[p]) + "\n"))
    for s in services:
        n = s["name"]
        files.append(("charts/%s/Chart.yaml" % n, chart_yaml(n, base[n])))
        files.append(("charts/%s/values.yaml" % n, chart_values_yaml(n, base[n], chart_settings[n])))
        files.append(("charts/%s/templates/deployment.yaml" % n, chart_template(n)))
    for t in tenants:
        for s in services:
            for ei, e in enumerate(envs):
                p = cell_file(t["name"], s["name"], e["name"])
                files.append((p, values_yaml(s["name"], t["name"], e["name"],
                                             base[s["name"]], settings[p])))
    d = next_date()
    main_marks.append(st.commit("refs/heads/main", 0, d, 0, d,
                                "Benchmark platform: %d tenants, %d services, %d environments\n"
                                % (nt, ns, ne), files))
    for p, _ in files:
        last_changed[p] = 0
    ncommit = 1
    kinds = {"bump": 0, "promote": 0, "settings": 0, "docs": 0, "merge": 0, "side": 0}

    def render(svc, tenant, ei):
        p = cell_file(tenant, svc, envs[ei]["name"])
        return p, values_yaml(svc, tenant, envs[ei]["name"], ver[(svc, tenant)][ei], settings[p])

    def pick_bump(prefer_last):
        """A version change for one cell, promotion style: a new version
        appears in the first environment and moves on env by env. Returns
        (svc, tenant, ei, new version, message, kind)."""
        svc = services[rng.weighted(scum)]["name"]
        tenant = rng.choice(tenants)["name"]
        v = ver[(svc, tenant)]
        pending = [ei for ei in range(1, ne) if v[ei - 1] != v[ei]]
        if prefer_last and (ne - 1) in pending:
            pending = [ne - 1]
        if pending and (prefer_last or rng.random() < 0.75):
            ei = rng.choice(pending)
            return (svc, tenant, ei, v[ei - 1],
                    "%s(%s): promote %s to %s\n" % (svc, tenant, vstr(v[ei - 1]), envs[ei]["name"]),
                    "promote")
        top = max(v)
        new = (top[0], top[1] + 1, 0) if rng.random() < 0.2 else (top[0], top[1], top[2] + 1)
        return (svc, tenant, 0, new,
                "%s(%s): release %s to %s\n" % (svc, tenant, vstr(new), envs[0]["name"]),
                "bump")

    def apply_bump(svc, tenant, ei, new):
        key = (svc, tenant)
        prev[(svc, tenant, ei)] = ver[key][ei]
        v = list(ver[key])
        v[ei] = new
        ver[key] = v
        releases[(svc, tenant, ei)] += 1
        return render(svc, tenant, ei)

    def settings_change(p):
        s = settings[p]
        what = rng.below(5)
        if what == 0:
            s["logLevel"] = rng.choice([x for x in ["debug", "info", "warn"] if x != s["logLevel"]])
            return "settings.logLevel to %s" % s["logLevel"]
        if what == 1:
            s["poolSize"] = rng.choice([x for x in [5, 10, 20, 40] if x != s["poolSize"]])
            return "settings.poolSize to %d" % s["poolSize"]
        if what == 2:
            s["timeoutMs"] = rng.choice([x for x in [1000, 3000, 5000, 10000] if x != s["timeoutMs"]])
            return "settings.timeoutMs to %d" % s["timeoutMs"]
        if what == 3:
            s["mem"] = rng.choice([x for x in [128, 256, 512] if x != s["mem"]])
            return "memory request to %dMi" % s["mem"]
        flag = rng.choice(["fast-checkout", "new-search", "dark-mode", "beta-api", "audit-log"])
        if flag in s["flags"]:
            s["flags"] = [f for f in s["flags"] if f != flag]
            return "feature flag %s off" % flag
        s["flags"] = s["flags"] + [flag]
        return "feature flag %s on" % flag

    def cell_settings(p, svc, tenant, ei):
        what = settings_change(p)
        return (render(svc, tenant, ei),
                "%s(%s/%s): %s\n" % (svc, tenant, envs[ei]["name"], what))

    def random_cell():
        svc = services[rng.weighted(scum)]["name"]
        tenant = rng.choice(tenants)["name"]
        ei = rng.below(ne)
        return svc, tenant, ei, cell_file(tenant, svc, envs[ei]["name"])

    pr = 100
    while ncommit < ncommits:
        left = ncommits - ncommit
        author = rng.weighted(acum)
        r = rng.random()
        changes = None
        if r < 0.05 and left >= 2:
            # A pull request: one or two commits on a branch forked up to
            # three first-parent commits back, merged with trailers.
            nside = 2 if left >= 3 and rng.random() < 0.25 else 1
            svc, tenant, ei, new, msg, kind = pick_bump(True)
            p = cell_file(tenant, svc, envs[ei]["name"])
            back = rng.below(4)
            fork = len(main_marks) - 1 - back
            while fork < len(main_marks) - 1 and last_changed[p] > fork:
                fork += 1
            path, text = apply_bump(svc, tenant, ei, new)
            kinds[kind] += 1
            others = [i for i in range(len(AUTHORS)) if i != author]
            merger = rng.choice([m for m in MAINTAINERS if m != author])
            reviewer = rng.choice([o for o in others if o != merger])
            rv, ap = AUTHORS[reviewer], AUTHORS[merger]
            if rng.random() < 0.3:  # paired on it: the change commit's own trailer
                pair = rng.choice([o for o in others if o not in (merger, reviewer)])
                msg += "\nReviewed-by: %s <%s>\n" % AUTHORS[pair][:2]
            d = next_date()
            side = st.commit("refs/heads/pr", author, d, author, d, msg,
                             [(path, text)], parent=main_marks[fork])
            if nside == 2:
                (path, text), msg2 = cell_settings(p, svc, tenant, ei)
                d = next_date()
                side = st.commit("refs/heads/pr", author, d, author, d, msg2,
                                 [(path, text)], parent=side)
            kinds["side"] += nside
            branch = "%s-%s-%s" % (svc, tenant, envs[ei]["name"])
            who = AUTHORS[author][1].split("@")[0].replace(".", "-")
            mmsg = ("Merge pull request #%d from %s/%s\n\n%s\n\nReviewed-by: %s <%s>\nApproved-by: %s <%s>\n"
                    % (pr, who, branch, msg.split("\n")[0], rv[0], rv[1], ap[0], ap[1]))
            pr += 1
            d = next_date()
            main_marks.append(st.commit("refs/heads/main", merger, d, merger, d, mmsg,
                                        [(path, text)], parent=main_marks[-1], merge=side))
            last_changed[path] = len(main_marks) - 1
            kinds["merge"] += 1
            ncommit += nside + 1
            continue
        if r < 0.75:
            svc, tenant, ei, new, msg, kind = pick_bump(False)
            changes = [apply_bump(svc, tenant, ei, new)]
            kinds[kind] += 1
        elif r < 0.90:
            if rng.random() < 0.1:
                n = rng.choice(services)["name"]
                cs = chart_settings[n]
                cs["cpu"] = rng.choice([x for x in [100, 200, 250, 500] if x != cs["cpu"]])
                changes = [("charts/%s/values.yaml" % n, chart_values_yaml(n, base[n], cs))]
                msg = "%s: default cpu request %dm\n" % (n, cs["cpu"])
            else:
                svc, tenant, ei, p = random_cell()
                change, msg = cell_settings(p, svc, tenant, ei)
                changes = [change]
            kinds["settings"] += 1
        else:
            if rng.random() < 0.3:
                p = "docs/adr/%04d-%s.md" % (adr_next, rng.choice(DOC_TOPICS))
                docs[p] = ["# %d. %s" % (adr_next, rng.choice(DOC_LINES)), "", "Status: proposed", ""]
                adr_next += 1
                msg = "docs: ADR %d\n" % (adr_next - 1)
            else:
                p = rng.choice(sorted(docs))
                docs[p].append("- " + rng.choice(DOC_LINES))
                msg = "docs: %s\n" % ("update the README" if p == "README.md" else "notes in " + p)
            changes = [(p, "\n".join(docs[p]) + "\n")]
            kinds["docs"] += 1
        d = next_date()
        main_marks.append(st.commit("refs/heads/main", author, d, author, d, msg,
                                    changes, parent=main_marks[-1]))
        for p, _ in changes:
            last_changed[p] = len(main_marks) - 1
        ncommit += 1
    sys.stdout.buffer.write(b"done\n")
    sys.stdout.buffer.flush()

    # ---- the clusters -----------------------------------------------------
    drng = Rng(seed * 7919 + 17)
    rows, drifts, k = [], {}, 0
    for cluster in ["bench-nonprod", "bench-prod"]:
        eis = [ei for ei, e in enumerate(envs) if e["cluster"] == cluster]
        cells = [(s["name"], t["name"], ei) for ei in eis for t in tenants for s in services]
        n = max(1, len(cells) // 500) if cells else 0
        chosen = []
        while len(chosen) < n:
            c = cells[drng.below(len(cells))]
            if c not in chosen:
                chosen.append(c)
        for c in chosen:
            k += 1
            v = ver[(c[0], c[1])][c[2]]
            if k % 2 == 1:  # behind: the rollout has not happened yet
                live = prev.get(c, (v[0], v[1], v[2] - 1) if v[2] > 0 else (v[0], v[1] - 1, 9))
            else:           # ahead: a hotfix deployed by hand
                live = (v[0], v[1], v[2] + 1)
            drifts[c] = live
    summary = {}
    for cluster in ["bench-nonprod", "bench-prod"]:
        eis = [ei for ei, e in enumerate(envs) if e["cluster"] == cluster]
        ncells = len(eis) * nt * ns
        ndrift = sum(1 for c in drifts if c[2] in eis)
        summary[cluster] = (ncells, ndrift)
        y = ["# kubesim scenario for cluster %s of the benchmark platform\n"
             "# (bench/make-platform.sh %s): %d namespaces x %d deployments of 1\n"
             "# replica; image tags are the desired versions at the tip of main except\n"
             "# %d deliberate drifts (cells.tsv, live != desired).\n"
             % (cluster, args, len(eis) * nt, ns, ndrift),
             "speed: 1\n",
             "nodes: %d\n" % max(1, (ncells + 99) // 100),
             "users:\n"
             "  - name: admin\n"
             "    admin: true\n"
             "    rules:\n"
             "      - verbs: [\"*\"]\n"
             "        resources: [\"*\"]\n"
             "  - name: viewer\n"
             "    rules:\n"
             "      - verbs: [get, list, watch]\n"
             "        resources: [\"*\"]\n"]
        if eis:
            y.append("namespaces:\n")
        for ei in eis:
            e = envs[ei]
            for t in tenants:
                y.append("  - name: %s-%s\n    labels: {tenant: %s, env: %s}\n    deployments:\n"
                         % (t["name"], e["short"], t["name"], e["name"]))
                for s in services:
                    c = (s["name"], t["name"], ei)
                    desired = ver[(s["name"], t["name"])][ei]
                    live = drifts.get(c, desired)
                    y.append("      - {name: %s-%s, replicas: 1, image: \"%s/%s:%s\", "
                             "startAfter: 200ms, readyAfter: 200ms}\n"
                             % (s["name"], t["name"], REGISTRY, s["name"], vstr(live)))
                    rows.append("%s/%s/%s\t%s\t%s-%s\tdeployment/%s-%s\t%s\t%s\t%d\n"
                                % (s["name"], e["name"], t["name"], cluster, t["name"],
                                   e["short"], s["name"], t["name"], vstr(desired),
                                   vstr(live), releases[c]))
        with open("%s/%s.yaml" % (outdir, cluster), "w") as f:
            f.write("".join(y))
    with open("%s/cells.tsv" % outdir, "w") as f:
        f.write("# cell\tcluster\tnamespace\tworkload\tdesired\tlive\treleases\n")
        f.write("".join(rows))
    # For the shell's summary, on stderr (stdout is the stream).
    sys.stderr.write("stats: %d %d %d %d %d %d %d %d %d %d %d\n"
                     % (kinds["bump"], kinds["promote"], kinds["settings"], kinds["docs"],
                        kinds["merge"], kinds["side"], summary["bench-nonprod"][0],
                        summary["bench-nonprod"][1], summary["bench-prod"][0],
                        summary["bench-prod"][1], len(files)))


if __name__ == "__main__":
    main()
