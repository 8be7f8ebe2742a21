"""`python -m tinygrad_edu.viz`: draw the worked example (see example.py)."""

from tinygrad_edu.viz.example import main

main()
