"""The ``nasplug`` command line. Each command lives in ``nasplug.commands.<name>``
and is imported only when invoked, so ``nasplug --help`` and ``nasplug list`` stay fast."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import click

from . import __version__
from .errors import NasplugError

#: command name -> (module, attribute, short help)
COMMANDS = {
    "list": ("nasplug.commands.list_cmd", "list_command", "Show installed plugins."),
    "eval": ("nasplug.commands.eval_cmd", "eval_command", "Evaluate predictors on benchmarks."),
    "search": ("nasplug.commands.search_cmd", "search_command",
               "Search benchmarks with strategies and proxies."),
    "data": ("nasplug.commands.data_cmd", "data_command",
             "Show, fetch and import benchmark tables and images."),
    "new-predictor": ("nasplug.commands.new_predictor", "new_predictor_command",
                      "Write a ready-to-install predictor plugin package."),
}


class LazyGroup(click.Group):
    """Imports a command's module on first use; user errors become one line."""

    def list_commands(self, ctx):
        lazy = [c for c, (mod, _, _) in COMMANDS.items() if importlib.util.find_spec(mod)]
        return sorted(set(lazy) | set(self.commands))

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return super().get_command(ctx, name)  # commands added with @cli.command
        module, attr, _ = COMMANDS[name]
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                return None
            raise

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2] if name in COMMANDS else self.commands[name].get_short_help_str())
                for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NasplugError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="nasplug")
def cli() -> None:
    """nasplug: evaluate zero-cost NAS proxies on NAS benchmarks, with plugins."""


#: the exit status of a run stopped by Ctrl-C (SIGINT), as shells report it
INTERRUPTED = 130


def main(argv=None) -> None:
    try:
        cli.main(args=argv, prog_name="nasplug")
    except SystemExit as exc:
        if exc.code == INTERRUPTED:
            # Ctrl-C: what was computed is committed and the store is closed, so skip the
            # interpreter's teardown, which takes seconds once torch is loaded on a busy machine.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(INTERRUPTED)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
