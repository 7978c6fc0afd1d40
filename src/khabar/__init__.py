"""Khabar (خبر): an Arabic-first news aggregation engine.

The public surface, by pipeline stage: ``clean_page`` (split a scraped page),
``import_paths`` (bulk import), ``open_store`` (storage), ``build_indexes`` and
``load_engine`` (copies, stories, related), ``Settings`` (every knob, as data).
"""

__version__ = "0.1.0"

__all__ = ["Settings", "build_indexes", "clean_page", "import_paths", "load_engine", "open_store", "__version__"]


def __getattr__(name: str):
    # Lazy: ``import khabar`` stays cheap (the CLI and the fetcher only need __version__).
    if name == "Settings":
        from .settings import Settings

        return Settings
    if name == "clean_page":
        from .ingest.clean import clean_page

        return clean_page
    if name == "import_paths":
        from .ingest.bulk import import_paths

        return import_paths
    if name == "open_store":
        from .store import open_store

        return open_store
    if name in ("build_indexes", "load_engine"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
