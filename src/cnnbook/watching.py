"""Whether a person is at this code: decides if a live progress bar is worth drawing.

Kept apart from ``cnnbook.progress`` (which needs Keras) so that code without TensorFlow, such
as the image-folder check, can ask too.
"""

from __future__ import annotations

import sys


def someone_is_watching() -> bool:
    """True when a person runs this code: a notebook frontend that accepts input, or a terminal.

    Jupyter frontends (Colab, JupyterLab, VS Code) send each cell with ``allow_stdin`` true, as
    they can answer ``input()``; the executors that build the book and run the tests (nbclient,
    under myst-nb, jupyter-cache and papermill) send it false. Outside a kernel, a terminal is
    someone watching and a pipe is not.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        parent = kernel.get_parent() if hasattr(kernel, "get_parent") else {}
        return bool((parent or {}).get("content", {}).get("allow_stdin", False))
    return sys.stdout.isatty()
