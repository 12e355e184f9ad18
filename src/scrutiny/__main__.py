"""`python -m scrutiny` runs the CLI (the kill test needs a plain subprocess)."""

from scrutiny.cli import main

main()
