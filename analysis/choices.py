"""What callers may name without loading the analysis (numpy, scikit-learn, the model): the
web process and the command line check settings and flags against these."""

BACKENDS = ("auto", "semantic", "lexical")
MIN_THEME_NOTES = 2  # a theme needs two notes; smaller groups are unsorted
