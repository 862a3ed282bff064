#!/usr/bin/env python3
"""End-to-end check: convert each corpus notebook with the CLI, run it without torch.

Usage: python scripts/e2e_notebooks.py [--corpus DIR] [--python PY] [--out DIR] [--markdown]

Each notebook is converted by `node bin/switcheroo.js convert` and executed with nbclient
in a kernel started from PY (a Python with jax, flax, optax, ipykernel). torch is blocked
in that kernel (a shadow `torch` package on PYTHONPATH that raises ModuleNotFoundError), so
any leftover torch use fails loudly even when torch happens to be installed.

Per notebook it reports: ran, or failed at cell N (index in the notebook) with the error;
the first and final loss, parsed from the `epoch {i} loss {v}` and `final loss {v}` lines;
and how many cells the converter annotated (flagged partial or commented `# switcheroo:`).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EPOCH = re.compile(r"^epoch \S+ loss (-?[\d.]+(?:e[-+]?\d+)?|nan|inf)", re.M)
FINAL = re.compile(r"^final loss (-?[\d.]+(?:e[-+]?\d+)?|nan|inf)", re.M)


def kernel_dir(python: str) -> Path:
    """A kernelspec whose kernel cannot import torch."""
    root = Path(tempfile.mkdtemp(prefix="switcheroo-e2e-"))
    block = root / "block"
    (block / "torch").mkdir(parents=True)
    (block / "torch" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'torch' (blocked by the e2e check)\", name='torch')\n"
    )
    spec = root / "kernels" / "switcheroo-e2e"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "e2e (no torch)",
                "language": "python",
                "env": {"PYTHONPATH": str(block), "JAX_PLATFORMS": "cpu"},
            }
        )
    )
    return root


def annotated(nb: dict) -> int:
    n = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        meta = cell.get("metadata", {}).get("switcheroo", {})
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if meta.get("partial") or "# switcheroo:" in src:
            n += 1
    return n


def partial_cells(nb: dict) -> int:
    return sum(
        1
        for c in nb["cells"]
        if c["cell_type"] == "code" and c.get("metadata", {}).get("switcheroo", {}).get("partial")
    )


def run_one(path: Path, out_dir: Path, kernels: Path, timeout: int) -> dict:
    import nbformat
    from nbclient import NotebookClient

    out = out_dir / path.name
    conv = subprocess.run(
        ["node", str(ROOT / "bin" / "switcheroo.js"), "convert", str(path), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    row = {
        "notebook": path.name,
        "status": "",
        "cell": None,
        "error": "",
        "first": None,
        "final": None,
    }
    if conv.returncode != 0:
        row.update(status="convert failed", error=conv.stderr.strip()[-300:])
        return row
    nb = nbformat.read(out, as_version=4)
    row["annotated"] = annotated(nb)
    row["partial"] = partial_cells(nb)
    os.environ["JUPYTER_PATH"] = str(kernels)
    # The kernel keeps going after an error, so later cells (the training loop) still report:
    # the result is the first failing cell; every failing cell is listed.
    client = NotebookClient(
        nb,
        kernel_name="switcheroo-e2e",
        timeout=timeout,
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.time()
    try:
        client.execute()
    except Exception as err:  # timeouts, dead kernels
        row["error"] = f"{type(err).__name__}: {err}"[:200]
    failing = []
    for i, cell in enumerate(nb["cells"]):
        for o in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            if o.get("output_type") == "error":
                partial = bool(cell.get("metadata", {}).get("switcheroo", {}).get("partial"))
                failing.append(
                    {"cell": i, "error": f"{o['ename']}: {o['evalue']}"[:200], "annotated": partial}
                )
    row["failing"] = failing
    if failing:
        row.update(
            status="failed",
            cell=failing[0]["cell"],
            error=failing[0]["error"],
            cell_annotated=failing[0]["annotated"],
        )
    elif not row["error"]:
        row["status"] = "ran"
    else:
        row["status"] = "failed"
    row["seconds"] = round(time.time() - start, 1)
    text = ""
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                text += o.get("text", "") if isinstance(o.get("text"), str) else "".join(o["text"])
    epochs = EPOCH.findall(text)
    finals = FINAL.findall(text)
    row["first"] = float(epochs[0]) if epochs else None
    row["final"] = float(finals[-1]) if finals else (float(epochs[-1]) if epochs else None)
    nbformat.write(nb, out)
    return row


def fmt(v):
    return "" if v is None else f"{v:.4f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument(
        "--python", default=sys.executable, help="the kernel's Python (jax, flax, optax)"
    )
    ap.add_argument("--out", default=str(ROOT / "build" / "e2e"))
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--readme",
        action="store_true",
        help="also write the table into README.md (between the e2e markers)",
    )
    ap.add_argument(
        "--min-ran",
        type=int,
        default=None,
        help="fail unless this many notebooks run end to end, each loss printed goes down, "
        "and every failure starts in a cell the converter annotated",
    )
    ap.add_argument("only", nargs="*")
    args = ap.parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    kernels = kernel_dir(args.python)
    paths = sorted(Path(args.corpus).glob("*.ipynb"))
    if args.only:
        paths = [p for p in paths if any(o in p.name for o in args.only)]
    rows = []
    for p in paths:
        row = run_one(p, out_dir, kernels, args.timeout)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    lines = [
        "| notebook | result | first failing cell annotated | all failing cells (`no`: not annotated) | first loss | final loss | loss down | annotated cells (partial) |",
        "|---|---|---|---|---:|---:|---|---:|",
    ]
    for r in rows:
        res = (
            r["status"]
            if r["status"] != "failed"
            else f"failed at cell {r['cell']}: `{r['error'][:80]}`"
        )
        down = (
            ""
            if r["first"] is None or r["final"] is None
            else ("yes" if r["final"] < r["first"] else "no")
        )
        flagged = "" if r["status"] != "failed" else ("yes" if r.get("cell_annotated") else "no")
        cells = ", ".join(
            f"{f['cell']}{'' if f['annotated'] else ' (no)'}" for f in r.get("failing", [])
        )
        lines.append(
            f"| {r['notebook']} | {res} | {flagged} | {cells} | {fmt(r['first'])} | {fmt(r['final'])} | {down} | {r.get('annotated', '')} ({r.get('partial', '')}) |"
        )
    ran = sum(r["status"] == "ran" for r in rows)
    down = sum(
        r["status"] == "ran"
        and r["first"] is not None
        and r["final"] is not None
        and r["final"] < r["first"]
        for r in rows
    )
    flagged = sum(r["status"] == "failed" and bool(r.get("cell_annotated")) for r in rows)
    trained = sum(
        r["first"] is not None and r["final"] is not None and r["final"] < r["first"] for r in rows
    )
    lines.append("")
    failed = len(rows) - ran
    silent = sum(r["status"] == "ran" and r["first"] is None for r in rows)
    failures = (
        f"{flagged} of {failed} first failures are in annotated cells" if failed else "none failed"
    )
    lines.append(
        f"{ran} of {len(rows)} ran end to end ({down} with the loss going down, {silent} printing no loss); "
        f"{failures}; {trained} notebooks print a decreasing loss (cells after a failure still run)."
    )
    table = "\n".join(lines)
    print(table)
    if args.readme:
        readme = ROOT / "README.md"
        text = readme.read_text()
        start, end = (
            "<!-- e2e:start (generated by scripts/e2e_notebooks.py --readme) -->",
            "<!-- e2e:end -->",
        )
        i, j = text.index(start) + len(start), text.index(end)
        readme.write_text(text[:i] + "\n" + table + "\n" + text[j:])
    if args.min_ran is not None:
        return check(rows, args.min_ran)
    return 0


def check(rows: list[dict], min_ran: int) -> int:
    """The e2e verdict: enough notebooks run, no loss goes up, no failure is silent."""
    problems = []
    ran = [r for r in rows if r["status"] == "ran"]
    if len(ran) < min_ran:
        problems.append(f"{len(ran)} notebooks ran end to end, fewer than {min_ran}")
    for r in rows:
        if r["first"] is not None and r["final"] is not None and r["final"] >= r["first"]:
            problems.append(f"{r['notebook']}: loss {r['first']} -> {r['final']} does not go down")
        if r["status"] == "failed" and not r.get("cell_annotated"):
            problems.append(f"{r['notebook']}: cell {r['cell']} fails and is not annotated")
    for p in problems:
        print(f"e2e check: {p}", file=sys.stderr)
    print(f"e2e check: {'FAILED' if problems else 'passed'} ({len(ran)} of {len(rows)} ran)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
