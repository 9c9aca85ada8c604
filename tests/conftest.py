import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Figures are written to files in tests, never shown.
os.environ.setdefault("MPLBACKEND", "Agg")
