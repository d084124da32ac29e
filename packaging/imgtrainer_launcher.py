"""Entry point of the PyInstaller bundle: the same `imgtrainer` command as the installed package."""

import sys

from imgtrainer.cli import main

if __name__ == "__main__":
    sys.exit(main())
