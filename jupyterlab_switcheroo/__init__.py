"""jupyterlab-switcheroo: convert PyTorch notebook code to JAX/Flax in JupyterLab.

Keep this module free of heavy imports (no torch/jax here): JupyterLab imports it
to find the prebuilt extension.
"""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - source tree without a build
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-switcheroo"}]
