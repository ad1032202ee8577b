"""Measures against ground truth (WER, word timing, DER, ...), shared by tests and bench/."""
