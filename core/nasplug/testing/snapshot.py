"""One snapshot of a model, for checking that scoring left it exactly as it was.

Both conformance suites use it: the plugin authors' pytest suite
(:class:`nasplug.testing.PredictorConformance`) and the zero-cost proxy checks
(:func:`nasplug.zerocost.conformance.check_proxy`). Imports torch when called.

:func:`take` records every parameter and buffer (by ``state_dict`` name, with
dtype), every parameter's ``.grad`` and ``requires_grad``, every module's
train/eval mode, forward methods patched onto instances, the number of
registered forward / pre-forward / backward hooks, and the architecture
(``get_hash()`` where the model has one). :func:`differences` lists what
changed since, as short sentences.
"""

from __future__ import annotations

from typing import Any


def _safe_hash(model: Any) -> Any:
    try:
        return model.get_hash()
    except Exception:  # a model without an encoding
        return None


def _tensors(model: Any) -> dict:
    """Parameters and buffers by ``state_dict`` name (non-persistent buffers included)."""
    return {**dict(model.named_parameters()), **dict(model.named_buffers())}


def take(model: Any) -> dict:
    """Everything a predictor must leave alone (copies of tensors; see the module docstring)."""
    return {
        "state": {k: (v.dtype, v.detach().clone()) for k, v in _tensors(model).items()},
        "grads": {n: None if p.grad is None else p.grad.detach().clone() for n, p in model.named_parameters()},
        "requires_grad": {n: p.requires_grad for n, p in model.named_parameters()},
        "training": {n: m.training for n, m in model.named_modules()},
        "forwards": {n: "forward" in vars(m) for n, m in model.named_modules()},
        "hooks": {n: (len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks))
                  for n, m in model.named_modules()},
        "hash": _safe_hash(model),
    }


def differences(before: dict, model: Any, limit: int | None = 3) -> list[str]:
    """What changed in ``model`` since ``before`` (empty when nothing did); at most ``limit`` items."""
    import torch

    out: list[str] = []
    state_b = before["state"]
    state_a = {k: v.detach() for k, v in _tensors(model).items()}  # compared in place, no copy
    for key in sorted(set(state_b) | set(state_a)):
        if key not in state_a or key not in state_b:
            out.append(f"state_dict entry {key!r} {'removed' if key not in state_a else 'added'}")
        elif state_b[key][0] != state_a[key].dtype:
            out.append(f"{key!r} changed dtype {state_b[key][0]} -> {state_a[key].dtype}")
        elif not torch.equal(state_b[key][1], state_a[key]):
            out.append(f"{key!r} changed value")
    params = dict(model.named_parameters())
    for name, grad in before["grads"].items():
        param = params.get(name)
        new = None if param is None else param.grad
        if (grad is None) != (new is None):
            out.append(f"{name!r}.grad was {'None' if grad is None else 'set'}, "
                       f"now {'None' if new is None else 'set'}")
        elif grad is not None and not torch.equal(grad, new):
            out.append(f"{name!r}.grad changed")
    for name, flag in before["requires_grad"].items():
        if name in params and params[name].requires_grad != flag:
            out.append(f"{name!r}.requires_grad changed to {params[name].requires_grad}")
    modules = dict(model.named_modules())
    for name, flag in before["training"].items():
        module = modules.get(name)
        if module is not None and module.training != flag:
            out.append(f"module {name or '<root>'!r} switched to {'train' if not flag else 'eval'} mode")
    for name, patched in before["forwards"].items():
        module = modules.get(name)
        if module is not None and ("forward" in vars(module)) != patched:
            out.append(f"module {name or '<root>'!r} forward was {'restored' if patched else 'replaced'}")
    for name, counts in before["hooks"].items():
        module = modules.get(name)
        if module is not None:
            now = (len(module._forward_hooks), len(module._forward_pre_hooks), len(module._backward_hooks))
            if now != counts:
                out.append(f"module {name or '<root>'!r} hooks changed {counts} -> {now} "
                           "(forward, pre-forward, backward)")
    if set(modules) != set(before["training"]):
        out.append("modules were added or removed")
    after_hash = _safe_hash(model)
    if before["hash"] != after_hash:
        out.append(f"architecture changed {before['hash']} -> {after_hash}")
    if limit is not None and len(out) > limit:
        out = out[:limit] + [f"... and {len(out) - limit} more"]
    return out


__all__ = ["differences", "take"]
