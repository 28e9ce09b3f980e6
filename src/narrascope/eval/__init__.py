"""Evaluation: SemEval formats and official metrics."""
