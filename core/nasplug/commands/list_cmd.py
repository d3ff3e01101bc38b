"""``nasplug list``: what is installed, from which distribution, which version."""

from __future__ import annotations

import json

import click

from ..registry import KIND_LABELS


def _detail(info: dict) -> str:
    if "datasets" in info:
        return ", ".join(info["datasets"])
    if "tasks" in info:
        return ", ".join(info["tasks"])
    return ""


@click.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the registry as JSON.")
def list_command(as_json: bool) -> None:
    """List search spaces, benchmarks, predictors, datasets and executors."""
    from ..plugins import get_registry

    registry = get_registry()
    data = registry.as_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for kind, label in KIND_LABELS.items():
        plural = label[:-1] + "ies" if label.endswith("y") else label + "s"
        click.secho(f"{plural.capitalize()}:", bold=True)
        rows = data[kind]
        if not rows:
            click.echo("  (none)")
        for info in rows:
            dist = f"{info['distribution']} {info['version']}" if info["distribution"] else f"plugin {info['plugin']}"
            detail = _detail(info)
            detail = f"  [{detail}]" if detail else ""
            click.echo(f"  {info['name']:<22} {dist}{detail}")
    if data["conflicts"]:
        click.secho("Conflicting names (unusable until one provider is removed):", bold=True, fg="yellow")
        for c in data["conflicts"]:
            click.echo(f"  {c['kind']}/{c['name']}: " + " and ".join(c["providers"]))
    if data["broken"]:
        click.secho("Broken plugins:", bold=True, fg="red")
        for b in data["broken"]:
            dist = f"{b['distribution']}=={b['version']}" if b["distribution"] else b["plugin"]
            click.echo(f"  {dist}: {b['error']}")
