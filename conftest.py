"""Project-wide test settings (the repository's own suite; plugin authors' suites are unaffected).

The conformance kit (``nasplug.testing``) scores every proxy plugin on every task
of every installed search space by default: 28 tasks x 18 proxies here, about
25 minutes on two cores. This project's suite runs it on the tasks that differ
in what a proxy meets (input shape and channels, class count, a dense or a
regression output, each search space once); ``NASPLUG_CONFORMANCE_TASKS=all``
restores the full sweep (as a release check does).
"""

import os

#: one task per kind of input and output a proxy meets, each installed search space once
PROJECT_CONFORMANCE_TASKS = ",".join([
    "nasbench201/cifar10",            # 3x32x32, 10 classes
    "nasbench201/ninapro",            # 1x16x52 signals, 18 classes (NAS-Bench-360)
    "nasbench301/cifar10",            # DARTS cells
    "transbench101_micro/class_scene",  # soft-label classification
    "transbench101_micro/autoencoder",  # dense image output
    "transbench101_micro/room_layout",  # regression
    "transbench101_macro/segmentsemantic",  # macro skeleton, per-pixel classes
    "nasbench101/cifar10",            # NAS-Bench-101 cells
])

os.environ.setdefault("NASPLUG_CONFORMANCE_TASKS", PROJECT_CONFORMANCE_TASKS)
