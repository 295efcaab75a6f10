"""The project's command-line tools, run from the repository root as ``python -m tools.<name>``.

- ``tools.nbconventions``: the notebook conventions (``make format``, and the tests' checks);
- ``tools.assign``: the assignments from the instructor notebooks (``make assignments``);
- ``tools.grading``: grading submissions with otter (``make grade``, ``make broken``);
- ``tools.vendor_mathjax``: MathJax from npm into ``_vendor/`` (the book never uses a CDN).
"""
