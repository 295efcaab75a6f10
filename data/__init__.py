"""The dataset catalog, installed as ``cnnbook.catalog``: registry.toml and per-file manifests.

Downloaded data sets land beside this file (git-ignored) unless ``CNNBOOK_DATA_DIR`` says otherwise.
"""
