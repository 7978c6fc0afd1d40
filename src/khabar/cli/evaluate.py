"""Quality against judged data: related, dups, stories and the CI gate."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from .common import app, open_store, out, print_error, print_json, state


eval_app = typer.Typer(help="Measure quality against judged data (../shared/eval).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


def _qrels_option(help_text: str = "Judgments (JSON lines, ../shared/eval/README.md)"):
    return typer.Option(..., "--qrels", exists=True, dir_okay=False, help=help_text)


@contextmanager
def _readable_judgments():
    """A judgments or run file that is not one, or an output that cannot be written, is a
    one-line error (exit 1), not a traceback."""
    from ..eval.metrics import EvalInputError

    try:
        yield
    except EvalInputError as exc:
        print_error(str(exc))
        raise typer.Exit(1) from None


@eval_app.command("related")
def eval_related_cmd(
    qrels: list[Path] = _qrels_option("Judgments (JSON lines); again for judgments added since, "
                                      "which never override the first file's"),
    run: Optional[Path] = typer.Option(None, "--run", help="Evaluate this TREC run instead of computing one"),
    peer: Optional[Path] = typer.Option(None, "--peer", help="The Lucene peer's TREC run (default: peer-dev.trec beside the qrels)"),
    k: int = typer.Option(10, "--k", min=1, max=100),
    no_dense: bool = typer.Option(False, "--no-dense"),
    rule_cost: bool = typer.Option(False, "--rule-cost", help="Also measure Khabar's lists with copies of one another "
                                   "allowed, as the peer's are: what that rule costs (those lists break it)"),
    unjudged: Optional[Path] = typer.Option(None, "--unjudged", help="Also write the pairs Khabar shows that are not "
                                            "judged (list and read-also, with titles and leads) to this file, to judge"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """nDCG@10, P@10, copies@10, judged@10 for Khabar and the Lucene peer, side by side."""
    from ..eval.report import evaluate_related

    if unjudged and (unjudged.is_dir() or not unjudged.parent.is_dir()):  # before the minutes the lists take
        print_error(f"--unjudged {unjudged}: {'a directory' if unjudged.is_dir() else 'no such directory'}; name a file to write")
        raise typer.Exit(2)
    # A given run needs no database, unless its unjudged pairs are written (titles and leads).
    with _readable_judgments(), nullcontext() if run and not unjudged else open_store() as store:
        report = evaluate_related(store, state.settings, qrels, run, peer, k, use_dense=not no_dense, rule_cost=rule_cost,
                                  unjudged_path=unjudged)
    missing = report.get("queries_missing", 0)
    if missing and missing == report["khabar"]["queries"]:  # a table of zeros would read as a result
        print_error(f"none of the {missing} judged queries is in this database ({state.settings.db}): "
                    "Khabar's lists are all empty; import the corpus the judgments are on", "warning", "yellow")
    if as_json:
        print_json(report)
        return
    _print_related_report(report)


def _print_related_report(report: dict) -> None:
    table = Table("metric", "khabar", "lucene-mlt peer")
    for m in ("ndcg@10", "p@10", "copies@10", "judged@10"):
        peer = report.get("peer")
        table.add_row(m, f"{report['khabar'][m]:.4f}", f"{peer[m]:.4f}" if peer else "—")
    out.print(table)
    free = report.get("copies_allowed")
    if free:
        out.print(f"khabar with copies of one another allowed in a list (as the peer's list is; such lists: "
                  f"{free['near_dup_lists']}): nDCG@10 {free['ndcg@10']:.4f}  P@10 {free['p@10']:.4f}"
                  f"  copies@10 {free['copies@10']:.4f}  judged@10 {free['judged@10']:.4f}")
    held = report.get("peer_held_to_rules")
    if held and "ndcg@10" in held:
        out.print(f"peer held to khabar's list rules (copies of the article dropped, one copy per list, refilled from "
                  f"its first {held['depth']}): nDCG@10 {held['ndcg@10']:.4f}  P@10 {held['p@10']:.4f}"
                  f"  copies@10 {held['copies@10']:.4f}  judged@10 {held['judged@10']:.4f}")
    elif held:
        out.print(f"peer held to khabar's list rules: its run is {held['depth']} deep, too shallow to refill what the "
                  f"rules take out (run.py QUERIES 40 OUT, then --peer OUT)")
    out.print(f"queries: {report['khabar']['queries']}  dense vectors used: {report.get('dense', False)}"
              f"  lists with two copies of one another: {report.get('near_dup_lists', 'n/a')}")
    if report.get("queries_missing"):
        out.print(f"queries not in this database: {report['queries_missing']} (their lists are empty and score 0)")
    judgments = report["judgments"]
    if judgments["files"] > 1:
        out.print(f"judgments: {judgments['pairs']} pairs from {judgments['files']} files (a pair keeps the first file's judgment)")
    iv = report.get("interval")
    if iv:
        line = f"nDCG@10, {iv['level']:.0%} interval over redrawn queries: khabar {iv['khabar'][0]:.3f}–{iv['khabar'][1]:.3f}"
        if "peer" in iv:
            d = iv["difference"]
            line += (f", peer {iv['peer'][0]:.3f}–{iv['peer'][1]:.3f}; khabar − peer {d['mean']:+.3f}"
                     f" ({d['interval'][0]:+.3f} to {d['interval'][1]:+.3f})")
        out.print(line)
    ra = report.get("read_also")
    if ra:
        out.print(f"read-also picks: {ra['picks']}  judged {ra['judged']:.3f}  same story or event {ra['same_story']:.3f}"
                  f"  copies {ra['copies']:.3f}  mean gain {ra['mean_gain']:.3f}")
    if report.get("losses"):
        # Plain lines with the query URL whole and last, so it can be copied into `khabar related`.
        out.print("\nbiggest losses against the peer (nDCG@10)")
        out.print(f"{'khabar':>7}  {'peer':>6}  {'loss':>6}  query")
        for row in report["losses"]:
            out.print(f"{row['khabar']:>7.3f}  {row['peer']:>6.3f}  {row['loss']:>6.3f}  {row['query']}")
    if report.get("judged_note"):
        out.print(report["judged_note"])
    if report.get("unjudged"):
        u = report["unjudged"]
        out.print(f"wrote {u['pairs']} unjudged pairs Khabar shows to {u['path']}: judge them by the guide "
                  "({\"q\", \"d\", \"g\", \"dup\"} a line) and add them with a second --qrels")


@eval_app.command("dups")
def eval_dups_cmd(qrels: Path = _qrels_option(), as_json: bool = typer.Option(False, "--json")) -> None:
    """Pairwise precision/recall/F1 of copy detection over judged pairs."""
    _eval_pairs("dups", qrels, as_json)


@eval_app.command("stories")
def eval_stories_cmd(qrels: Path = _qrels_option(), as_json: bool = typer.Option(False, "--json")) -> None:
    """Pairwise precision/recall/F1 of story clustering over judged pairs (g=3 vs g≤1)."""
    _eval_pairs("stories", qrels, as_json)


@eval_app.command("story-links")
def eval_story_links_cmd(qrels: Path = _qrels_option(), as_json: bool = typer.Option(False, "--json")) -> None:
    """How a story page's related stories agree with judged pairs across stories (by grade)."""
    from ..eval.report import evaluate_story_links

    with _readable_judgments(), open_store() as store:
        report = evaluate_story_links(store, state.settings, qrels)
    if as_json:
        print_json(report)
        return
    for grade, c in sorted(report["by_grade"].items(), reverse=True):
        out.print(f"grade {grade}: {c['linked']} of {c['pairs']} pairs across stories linked")
    out.print(f"same story or event among links {report['precision_same_story']:.3f}  "
              f"of those pairs linked {report['recall_same_story']:.3f}  unrelated among links {report['unrelated_share']:.3f}")


def _eval_pairs(kind: str, qrels: Path, as_json: bool) -> None:
    from ..eval.report import evaluate_pairs

    with _readable_judgments(), open_store() as store:
        report = evaluate_pairs(store, state.settings, qrels, kind)
    if report["pairs"] and report["missing"] == report["pairs"]:  # zeros that would read as a result
        print_error(f"none of the {report['pairs']} judged pairs is in this database ({state.settings.db}): "
                    "every figure is 0; import the corpus the judgments are on", "warning", "yellow")
    _print_pairs(report, as_json)


def _print_pairs(report: dict, as_json: bool) -> None:
    if as_json:
        print_json(report)
        return
    out.print(f"precision {report['precision']:.4f}  recall {report['recall']:.4f}  F1 {report['f1']:.4f}"
              f"  (tp {report['tp']}, fp {report['fp']}, fn {report['fn']}; pairs missing from the DB: {report['missing']})")
    lo, hi = report["f1_interval"]
    out.print(f"F1, {report['interval_level']:.0%} interval over redrawn queries: {lo:.3f}–{hi:.3f}")


@eval_app.command("gate")
def eval_gate_cmd(
    qrels: Path = _qrels_option(),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Stored figures (default: the packaged baseline.json)"),
    tolerance: float = typer.Option(0.005, "--tolerance", help="Allowed drop (rise for copies@10) before failing"),
    update: bool = typer.Option(False, "--update", help="Write today's figures as the new baseline"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fail (exit 1) when dev quality falls below the stored baseline: related, copies, stories."""
    from ..eval.gate import compare_to_baseline, load_baseline, measure_gated, write_baseline

    with _readable_judgments(), open_store() as store:
        measured = measure_gated(store, state.settings, qrels)
    if update:
        write_baseline(measured, baseline)
    rows = compare_to_baseline(measured, load_baseline(baseline), tolerance)
    failed = [r for r in rows if not r.ok]
    if as_json:
        print_json({"passed": not failed, "tolerance": tolerance, "rows": [vars(r) for r in rows]})
    else:
        table = Table("figure", "baseline", "measured", "must", "result", title="quality gate (dev qrels)")
        for r in rows:
            table.add_row(f"{r.section} {r.metric}", f"{r.baseline:.4f}", f"{r.measured:.4f}",
                          "not fall" if r.direction == "up" else "not rise",
                          Text("ok", "green") if r.ok else Text("REGRESSED", "bold red"))
        out.print(table, soft_wrap=False)
    if failed:
        print_error(", ".join(f"{r.section} {r.metric}" for r in failed), label="quality gate failed")
        raise typer.Exit(1)
