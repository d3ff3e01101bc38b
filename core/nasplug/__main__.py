"""``python -m nasplug``: the same command line as the ``nasplug`` script."""

from .cli import main

if __name__ == "__main__":
    main()
