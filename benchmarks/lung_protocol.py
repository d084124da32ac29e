"""The lung assist's validation protocol (run by ``benchmarks/analysis.py lung``).

- Nested cross-validation grouped by patient on BLUS: the outer loop leaves one patient out;
  inside, ``imgtrainer.analysis.lung_fit.fit_decision`` chooses the feature set and model
  family by 5-fold grouped CV on the other patients, fits, calibrates and sets the abstention
  band, all on those patients only. The held-out patient's clips are scored once.
- Fixed methods (one feature set and family each, nothing chosen) are scored the same way
  (leave one patient out) for the comparison table; only the nested row is an honest figure
  for "choose the best and ship it".
- Cross-dataset: the whole recipe fitted on BLUS and run on the mixed-device set, and reverse.
- 95% intervals: percentile bootstrap over patients (groups), 2000 resamples.
- LUS: the suggested score against the BLUS experts' severity (quadratic kappa), for the
  shipped rule and for an ordinal score fitted inside the folds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from lung_cache import BLUS, CachedClip

from imgtrainer.analysis.lung import CANDIDATES
from imgtrainer.analysis.lung_detectors import DETECTOR_FEATURES, detector_features
from imgtrainer.analysis.lung_fit import Decision, balanced_accuracy, fit_decision, forward_select
from imgtrainer.analysis.lung_model import CANDIDATE_SETS
from imgtrainer.analysis.lung_pleura import find_pleura

SETS = CANDIDATE_SETS  # the shipped recipe chooses among these; each is also scored alone


def features(clips: list[CachedClip], cache: Path) -> dict[str, np.ndarray]:
    """Every measurement per clip: the assist's own (from its report) and the detectors' (run on
    the cached grids; stored beside the cache, recomputed when the detector code changes)."""
    import hashlib

    import imgtrainer.analysis.lung_detectors as det

    tag = hashlib.sha1(Path(det.__file__).read_bytes()).hexdigest()[:12]
    store = cache / f"detectors-{tag}.json"
    known = json.loads(store.read_text()) if store.exists() else {}
    for c in clips:
        if c.file not in known:
            known[c.file] = detector_features(c.series, c.valid, find_pleura(c.series.mean(axis=0), c.valid))
    store.write_text(json.dumps(known))
    names = (*CANDIDATES, *DETECTOR_FEATURES)
    return {
        n: np.array([known[c.file][n] if n in DETECTOR_FEATURES else c.features.get(n, 0.0) for c in clips])
        for n in names
    }


def bootstrap(groups: np.ndarray, stat, n: int = 2000, seed: int = 7) -> tuple[float, float]:
    """95% percentile interval of ``stat(index array)`` resampling groups with replacement."""
    ug = np.array(sorted(set(groups.tolist())))
    members = {g: np.flatnonzero(groups == g) for g in ug}
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(n):
        pick = rng.choice(ug, len(ug), replace=True)
        v = stat(np.concatenate([members[g] for g in pick]))
        if not math.isnan(v):
            vals.append(v)
    if not vals:
        return float("nan"), float("nan")
    return float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))


def summarise(y: np.ndarray, p: np.ndarray, sure: np.ndarray, groups: np.ndarray) -> dict[str, object]:
    """BA at p >= 0.5 on every clip, coverage and BA where committed, each with its interval."""

    def ba_all(i):
        return balanced_accuracy(y[i], p[i] >= 0.5)

    def cov(i):
        return float(sure[i].mean())

    def ba_sure(i):
        s = i[sure[i]]
        return balanced_accuracy(y[s], p[s] >= 0.5)

    pos, neg = y, ~y
    out = {
        "n": len(y),
        "groups": len(set(groups.tolist())),
        "ba": ba_all(np.arange(len(y))),
        "ba_ci": bootstrap(groups, ba_all),
        "sens": float((p[pos] >= 0.5).mean()) if pos.any() else float("nan"),
        "spec": float((p[neg] < 0.5).mean()) if neg.any() else float("nan"),
        "coverage": cov(np.arange(len(y))),
        "coverage_ci": bootstrap(groups, cov),
        "ba_committed": ba_sure(np.arange(len(y))),
        "ba_committed_ci": bootstrap(groups, ba_sure),
        "brier_balanced": _brier_balanced(y, p),
    }
    return out


def _brier_balanced(y: np.ndarray, p: np.ndarray) -> float:
    """Brier score with the classes weighted equally (the probabilities are for an even prior)."""
    if y.all() or (~y).all():
        return float("nan")
    return 0.5 * float(((1 - p[y]) ** 2).mean()) + 0.5 * float((p[~y] ** 2).mean())


def leave_one_out(feats: dict[str, np.ndarray], y: np.ndarray, groups: np.ndarray, fit) -> tuple:
    """Each patient group held out in turn; ``fit(feats, y, groups)`` -> (Decision, label) sees
    only the other groups. Returns (probability, committed, labels of what each fold chose)."""
    p = np.zeros(len(y))
    sure = np.zeros(len(y), bool)
    chosen = []
    for g in sorted(set(groups.tolist())):
        te = groups == g
        tr = ~te
        dec, label = fit({k: v[tr] for k, v in feats.items()}, y[tr], groups[tr])
        chosen.append(label)
        for i in np.flatnonzero(te):
            p[i] = dec.probability({k: v[i] for k, v in feats.items()})
            sure[i] = dec.decide(p[i]) is not None
    return p, sure, chosen


def nested(
    feats: dict[str, np.ndarray], y: np.ndarray, groups: np.ndarray, sets: dict[str, tuple[str, ...]]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The shipped recipe: feature set and family chosen, fitted, calibrated and banded inside."""

    def fit(f, yy, gg):
        dec, _ = fit_decision(f, yy, gg, sets)
        return dec, f"{_set_name(dec, sets)}/{dec.family}"

    return leave_one_out(feats, y, groups, fit)


def fixed(
    feats: dict[str, np.ndarray], y: np.ndarray, groups: np.ndarray, cols: tuple[str, ...], family: str
) -> tuple[np.ndarray, np.ndarray]:
    """A fixed feature set and family (calibration and band still fitted inside the folds, so
    its figures are held out for that one method)."""

    def fit(f, yy, gg):
        return fit_decision(f, yy, gg, {"x": cols}, families=(family,))[0], ""

    return leave_one_out(feats, y, groups, fit)[:2]


def nested_forward(
    feats: dict[str, np.ndarray], y: np.ndarray, groups: np.ndarray, pool: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Measurements chosen from scratch (greedy forward selection over ``pool``) on the
    training patients, then fitted, calibrated and banded there."""

    def fit(f, yy, gg):
        cols = forward_select(f, yy, gg, pool)
        return fit_decision(f, yy, gg, {"forward": cols})[0], "+".join(cols)

    return leave_one_out(feats, y, groups, fit)


def transfer(
    feats: dict[str, np.ndarray],
    y: np.ndarray,
    groups: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    sets: dict[str, tuple[str, ...]],
) -> tuple[dict[str, object], Decision] | None:
    """The whole recipe fitted on ``train`` clips, scored on ``test`` clips."""
    if y[train].sum() < 5 or (~y[train]).sum() < 5:
        return None
    dec, _ = fit_decision({k: v[train] for k, v in feats.items()}, y[train], groups[train], sets)
    idx = np.flatnonzero(test)
    p = np.array([dec.probability({k: v[i] for k, v in feats.items()}) for i in idx])
    sure = np.array([dec.decide(q) is not None for q in p])
    return summarise(y[test], p, sure, groups[test]), dec


def _set_name(dec: Decision, sets: dict[str, tuple[str, ...]]) -> str:
    return next((k for k, v in sets.items() if tuple(v) == dec.features), "?")


def fmt(s: dict[str, object]) -> str:
    def ci(key):
        lo, hi = s[key]
        return f"[{lo:.2f}, {hi:.2f}]"

    return (
        f"BA {s['ba']:.3f} {ci('ba_ci')} (sens {s['sens']:.2f}, spec {s['spec']:.2f}); "
        f"committed on {s['coverage']:.0%} {ci('coverage_ci')}, BA there {s['ba_committed']:.3f} "
        f"{ci('ba_committed_ci')}; n={s['n']} in {s['groups']} groups"
    )


def run(clips: list[CachedClip], cache: Path, *, methods: bool = True) -> dict[str, object]:
    """The full protocol; prints as it goes and returns every figure (for the report)."""
    feats = features(clips, cache)
    groups = np.array([c.group for c in clips])
    blus = np.array([c.source == BLUS for c in clips])
    results: dict[str, object] = {}
    held: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for which, name in (("b", "B-lines"), ("a", "A-lines")):
        lab = np.array([getattr(c, which) is not None for c in clips])
        y = np.array([bool(getattr(c, which)) for c in clips])
        sel = blus & lab
        fb = {k: v[sel] for k, v in feats.items()}
        print(f"\n{name}, BLUS, leave one patient out (n={sel.sum()}, {int(y[sel].sum())} with):")
        rows = {}
        if methods:
            for sname, cols in SETS[which].items():
                for fam in ("equal", "logistic"):
                    p, sure = fixed(fb, y[sel], groups[sel], cols, fam)
                    rows[f"{sname}/{fam}"] = summarise(y[sel], p, sure, groups[sel])
                    print(f"  fixed {sname + '/' + fam:24s} {fmt(rows[f'{sname}/{fam}'])}")
        p, sure, chosen = nested(fb, y[sel], groups[sel], SETS[which])
        held[which] = (np.flatnonzero(sel), p, sure)
        rows["nested"] = summarise(y[sel], p, sure, groups[sel])
        counts = {c: chosen.count(c) for c in sorted(set(chosen))}
        print(f"  NESTED (chosen inside the folds) {fmt(rows['nested'])}\n    chosen per fold: {counts}")
        results[which] = {"blus": rows, "chosen": counts}
        if methods:
            from lung_learned import learned

            rows["learned"] = learned([clips[i] for i in np.flatnonzero(sel)], y[sel], groups[sel])
            print(f"  LEARNED (L2 logistic on a 144-value image descriptor): {fmt(rows['learned'])}")
            pool = tuple(k for k in feats if k not in ("aline_depth_multiple",))
            p, sure, fwd = nested_forward(fb, y[sel], groups[sel], pool)
            rows["forward"] = summarise(y[sel], p, sure, groups[sel])
            top = sorted({c: fwd.count(c) for c in set(fwd)}.items(), key=lambda t: -t[1])[:4]
            print(
                f"  FORWARD SELECTION from {len(pool)} measurements, inside the folds: {fmt(rows['forward'])}"
            )
            print(f"    most chosen: {top}")
        # both sets together: every patient group left out in turn, fitted on all the others
        p, sure, chosen = nested({k: v[lab] for k, v in feats.items()}, y[lab], groups[lab], SETS[which])
        for tag, src in (("pooled:blus", blus[lab]), ("pooled:mixed", ~blus[lab])):
            yy = y[lab][src]
            if yy.all() or (~yy).all():
                continue
            results[which][tag] = summarise(yy, p[src], sure[src], groups[lab][src])
            print(f"  fitted on both sets, held-out {tag[7:]:5s}: {fmt(results[which][tag])}")
        for tag, tr, te in (
            ("blus->mixed", blus & lab, ~blus & lab),
            ("mixed->blus", ~blus & lab, blus & lab),
        ):
            got = transfer(feats, y, groups, tr, te, SETS[which])
            if got is None:
                print(f"  {tag}: not fitted (fewer than 5 clips per class in the training set)")
                continue
            s, dec = got
            results[which][tag] = s
            print(f"  {tag} (chose {_set_name(dec, SETS[which])}/{dec.family}): {fmt(s)}")
    results["lus"] = lus_agreement(clips, held)
    return results


LUS_MARGIN = 0.05


def choose_lus_rule(kappas: dict[str, float]) -> str:
    """The textbook "counted" rule unless another beats it by ``LUS_MARGIN`` kappa."""
    best = max(kappas, key=lambda r: kappas[r])
    return best if kappas[best] >= kappas["counted"] + LUS_MARGIN else "counted"


def lus_agreement(clips: list[CachedClip], held: dict[str, tuple]) -> dict[str, object]:
    """The LUS rule on the held-out (nested) line decisions against the BLUS severity."""
    from imgtrainer.analysis.lung_lus import lus_decision
    from imgtrainer.annotate.agreement import cohen_kappa

    (ib, pb, sb), (ia, pa, sa) = held["b"], held["a"]
    pos_a = {int(i): k for k, i in enumerate(ia)}
    ex, old, certain, grp = [], [], [], []
    su: dict[str, list[int]] = {"counted": [], "pattern": []}
    for k, i in enumerate(ib):
        c = clips[int(i)]
        if c.severity is None or int(i) not in pos_a:
            continue
        j = pos_a[int(i)]
        pleura = find_pleura(c.series.mean(axis=0), c.valid)
        counts = [int(v) for v in c.report["b_lines"]["per_frame"].values()]
        for rule in su:
            lus = lus_decision(
                float(pb[k]),
                float(pa[j]),
                (pb[k] >= 0.5) if sb[k] else None,
                (pa[j] >= 0.5) if sa[j] else None,
                counts,
                pleura,
                c.features,
                rule=rule,
            )
            su[rule].append(lus.score)
        ex.append(c.severity)
        old.append(int(c.report["lus_score"]))
        certain.append(lus.certain)
        grp.append(c.group)
    ex_a, old_a = np.array(ex), np.array(old)
    cert, g = np.array(certain), np.array(grp)

    def qwk(e, s):
        return float(cohen_kappa(list(e), list(s), "quadratic", categories=range(4)))

    # the rule is chosen inside the folds: for each held-out patient, the textbook rule
    # ("counted": one or two lines are normal, three or more score 1) unless the other beats
    # it by LUS_MARGIN kappa on the other patients
    rules = {r: np.array(v) for r, v in su.items()}
    su_a = np.zeros(len(ex), int)
    chosen = []
    for q in sorted(set(grp)):
        te = g == q
        best = choose_lus_rule({r: qwk(ex_a[~te], v[~te]) for r, v in rules.items()})
        chosen.append(best)
        su_a[te] = rules[best][te]
    for r, v in rules.items():
        print(
            f"  LUS rule {r!r} alone: quadratic kappa {qwk(ex_a, v):.3f} {bootstrap(g, lambda i, v=v: qwk(ex_a[i], v[i]))}"
        )
    counts_chosen = {r: chosen.count(r) for r in rules}
    print(f"  LUS rule chosen per fold: {counts_chosen}")
    out = {
        "n": len(ex),
        "kappa": qwk(ex_a, su_a),
        "kappa_ci": bootstrap(g, lambda i: qwk(ex_a[i], su_a[i])),
        "exact": float(np.mean(ex_a == su_a)),
        "within_one": float(np.mean(np.abs(ex_a - su_a) <= 1)),
        "coverage": float(cert.mean()),
        "kappa_committed": qwk(ex_a[cert], su_a[cert]),
        "kappa_committed_ci": bootstrap(g, lambda i: qwk(ex_a[i][cert[i]], su_a[i][cert[i]])),
        "kappa_previous": qwk(ex_a, old_a),
        "kappa_previous_ci": bootstrap(g, lambda i: qwk(ex_a[i], old_a[i])),
        "rules": {r: qwk(ex_a, v) for r, v in rules.items()},
        "chosen": counts_chosen,
        "table": [[int(np.sum((ex_a == e) & (su_a == q))) for q in range(4)] for e in range(4)],
    }
    lo, hi = out["kappa_ci"]
    print(
        f"\nLUS vs BLUS severity (n={out['n']}), rule on held-out decisions: quadratic kappa {out['kappa']:.3f} "
        f"[{lo:.2f}, {hi:.2f}], exact {out['exact']:.0%}, within one {out['within_one']:.0%}; "
        f"committed on {out['coverage']:.0%}, kappa there {out['kappa_committed']:.3f} "
        f"[{out['kappa_committed_ci'][0]:.2f}, {out['kappa_committed_ci'][1]:.2f}]; previous model (in-sample "
        f"decisions) {out['kappa_previous']:.3f}"
    )
    print("  expert \\ suggested  0   1   2   3")
    for e in range(4):
        print(f"  {e:17d} " + " ".join(f"{v:3d}" for v in out["table"][e]))
    return out


def markdown(results: dict[str, object]) -> str:
    """The report's table of every method (held-out figures with 95% intervals)."""

    def cell(s, key):
        v, (lo, hi) = s[key], s[f"{key}_ci"]
        return f"{v:.2f} [{lo:.2f}, {hi:.2f}]"

    out = []
    for which, name in (("b", "B-lines"), ("a", "A-lines")):
        out.append(f"\n**{name}** (BLUS: 141 clips, 25 patients, left out one patient at a time)\n")
        out.append("| method | BA, p >= 0.5 | sens / spec | coverage | BA where committed |")
        out.append("|---|---|---|---|---|")
        r = results[which]
        rows = dict(r["blus"])
        for tag in ("pooled:blus", "pooled:mixed", "blus->mixed", "mixed->blus"):
            if tag in r:
                rows[tag] = r[tag]
        for m, s in rows.items():
            out.append(
                f"| {m} | {cell(s, 'ba')} | {s['sens']:.2f} / {s['spec']:.2f} | {cell(s, 'coverage')} | "
                f"{cell(s, 'ba_committed')} |"
            )
    return "\n".join(out)
