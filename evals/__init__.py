"""Labelled fixtures (the sample project among them) and the checks that measure quality."""
