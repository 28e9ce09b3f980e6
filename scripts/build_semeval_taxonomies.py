"""Build the bundled URW and CC taxonomies from the SemEval-2025 Task 10
label lists and the narrative description sentences.

    python scripts/build_semeval_taxonomies.py ../shared/data/semeval2025-task10
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "narrascope" / "taxonomy" / "data"
META = {
    "URW": ("Ukraine-Russia war", "Narratives about the Russian war against Ukraine (SemEval-2025 Task 10).",
            "Narrative_Description_War_in_Ukraine-sentences.tsv"),
    "CC": ("Climate change", "Narratives about climate change and climate policy (SemEval-2025 Task 10).",
           "Narrative_Description_ClimateChange-sentences.tsv"),
}


def main(data: Path) -> None:
    coarse = [x for x in (data / "scorers" / "subtask2_narratives.txt").read_text().split("\n") if x.strip()]
    fine = [x for x in (data / "scorers" / "subtask2_subnarratives.txt").read_text().split("\n") if x.strip()]
    for tid, (name, desc, tsv) in META.items():
        examples: dict[tuple[str, str], list[str]] = defaultdict(list)
        with (data / "narrative-descriptions" / tsv).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                examples[(row["Narrative"].strip(), row["Subnarrative"].strip())].append(row["Description"].strip())
        narratives = []
        for c in coarse:
            if not c.startswith(tid + ": "):
                continue
            nname = c[len(tid) + 2 :]
            subs = []
            for f in fine:
                if f.startswith(c + ": ") and not f.endswith(": Other"):
                    sname = f[len(c) + 2 :]
                    subs.append({"name": sname, "description": sname, "examples": examples.get((nname, sname), [])})
            narratives.append({"name": nname, "description": nname, "examples": examples.get((nname, "Other"), []), "subnarratives": subs})
        doc = {"id": tid, "name": name, "description": desc, "narratives": narratives}
        out = OUT / f"{tid.lower()}.yaml"
        header = (f"# {name} taxonomy of SemEval-2025 Task 10 (labels from the official scorer lists; example\n"
                  "# sentences from a participant team's public narrative descriptions). Built by\n"
                  "# scripts/build_semeval_taxonomies.py.\n")
        out.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
        print(f"wrote {out}: {len(narratives)} narratives, {sum(len(n['subnarratives']) for n in narratives)} subnarratives")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "semeval2025-task10")
